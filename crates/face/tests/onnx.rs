//! The ONNX backend through ONNX Runtime loaded at run time (the PyPI wheel's library, put in
//! place by scripts/face-models.sh). No site model ships with the project, so the test writes
//! a small one itself: mean colour of the chip (GlobalAveragePool), then a fixed 3 × N matrix.

mod common;

use std::path::{Path, PathBuf};

use roadwarden_face::{
    assess_image, distance, Assessment, DecodeLimits, DlibEngine, DlibModels, FaceEngine,
    FaceImage, OnnxConfig, OnnxEngine, QualityGates,
};

// A protobuf writer for the few ONNX messages the model needs.
fn varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}
fn int(out: &mut Vec<u8>, field: u64, v: u64) {
    varint(out, field << 3);
    varint(out, v);
}
fn bytes(out: &mut Vec<u8>, field: u64, data: &[u8]) {
    varint(out, (field << 3) | 2);
    varint(out, data.len() as u64);
    out.extend_from_slice(data);
}
fn node(op: &str, inputs: &[&str], output: &str) -> Vec<u8> {
    let mut n = Vec::new();
    for i in inputs {
        bytes(&mut n, 1, i.as_bytes());
    }
    bytes(&mut n, 2, output.as_bytes());
    bytes(&mut n, 3, output.as_bytes());
    bytes(&mut n, 4, op.as_bytes());
    n
}
fn float_tensor_info(name: &str, dims: &[u64]) -> Vec<u8> {
    let mut shape = Vec::new();
    for d in dims {
        let mut dim = Vec::new();
        int(&mut dim, 1, *d);
        bytes(&mut shape, 1, &dim);
    }
    let mut tensor = Vec::new();
    int(&mut tensor, 1, 1); // FLOAT
    bytes(&mut tensor, 2, &shape);
    let mut ty = Vec::new();
    bytes(&mut ty, 1, &tensor);
    let mut info = Vec::new();
    bytes(&mut info, 1, name.as_bytes());
    bytes(&mut info, 2, &ty);
    info
}

/// chip [1,3,S,S] → GlobalAveragePool → Flatten → MatMul with a 3 × `width` matrix.
fn write_model(path: &Path, side: u64, width: u64) {
    let mut weights = Vec::new();
    let mut w = Vec::new();
    for i in 0..3 * width {
        w.extend_from_slice(&((i as f32 * 0.7).sin()).to_le_bytes());
    }
    int(&mut weights, 1, 3);
    int(&mut weights, 1, width);
    int(&mut weights, 2, 1); // FLOAT
    bytes(&mut weights, 8, b"w");
    bytes(&mut weights, 9, &w);
    let mut graph = Vec::new();
    bytes(
        &mut graph,
        1,
        &node("GlobalAveragePool", &["chip"], "pooled"),
    );
    bytes(&mut graph, 1, &node("Flatten", &["pooled"], "flat"));
    bytes(&mut graph, 1, &node("MatMul", &["flat", "w"], "descriptor"));
    bytes(&mut graph, 2, b"test-encoder");
    bytes(&mut graph, 5, &weights);
    bytes(
        &mut graph,
        11,
        &float_tensor_info("chip", &[1, 3, side, side]),
    );
    bytes(
        &mut graph,
        12,
        &float_tensor_info("descriptor", &[1, width]),
    );
    let mut opset = Vec::new();
    bytes(&mut opset, 1, b"");
    int(&mut opset, 2, 13);
    let mut model = Vec::new();
    int(&mut model, 1, 8); // IR version
    bytes(&mut model, 2, b"roadwarden-face tests");
    bytes(&mut model, 7, &graph);
    bytes(&mut model, 8, &opset);
    std::fs::write(path, model).expect("model written");
}

struct Setup {
    runtime: PathBuf,
    dir: PathBuf,
    data: PathBuf,
}

fn setup() -> Option<Setup> {
    let models = common::models_dir();
    let runtime = models.join("onnxruntime/libonnxruntime.so");
    let data = common::testdata_dir();
    if !runtime.exists() || !data.join("biden.jpg").exists() {
        return common::missing(&format!("{} or the test images missing", runtime.display()));
    }
    let dir = std::env::temp_dir().join(format!("roadwarden-face-onnx-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    Some(Setup { runtime, dir, data })
}

impl Setup {
    fn engine(&self, width: u64) -> OnnxEngine {
        let model = self.dir.join(format!("encoder-{width}.onnx"));
        write_model(&model, 112, width);
        let detector = DlibEngine::open(&DlibModels::in_dir(&common::models_dir())).expect("dlib");
        let config = OnnxConfig {
            runtime: self.runtime.clone(),
            model,
            ..OnnxConfig::default()
        };
        OnnxEngine::open(config, detector).expect("ONNX engine")
    }

    fn image(&self, name: &str) -> FaceImage {
        let bytes = std::fs::read(self.data.join(name)).expect("test image");
        FaceImage::decode(&bytes, &DecodeLimits::default()).expect("decodable")
    }
}

#[test]
fn rid_05_the_onnx_backend_encodes_an_aligned_face_with_a_site_model() {
    let Some(setup) = setup() else { return };
    let engine = setup.engine(128);
    let describe =
        |name: &str| match assess_image(&engine, &setup.image(name), &QualityGates::default())
            .expect("engine")
        {
            Assessment::Accepted(face) => face.descriptor,
            Assessment::Held(held) => panic!("{name} held: {}", held.reason),
        };
    let (obama, obama_again, biden) = (
        describe("obama.jpg"),
        describe("obama.jpg"),
        describe("biden.jpg"),
    );
    let length = obama.as_slice().iter().map(|v| v * v).sum::<f32>().sqrt();
    assert!((length - 1.0).abs() < 1e-4, "unit length: {length}");
    assert!(distance(&obama, &obama_again) < 1e-6);
    assert!(distance(&obama, &biden) > 1e-3);
}

#[test]
fn rid_05_a_site_model_of_another_size_is_refused_with_the_size() {
    let Some(setup) = setup() else { return };
    let engine = setup.engine(512);
    let image = setup.image("obama.jpg");
    let face = engine.detect(&image).remove(0);
    let error = engine
        .encode(&image, &face)
        .expect_err("512 values refused");
    assert!(error.to_string().contains("512"), "{error}");
    let missing = OnnxConfig {
        runtime: setup.runtime.clone(),
        model: setup.dir.join("absent.onnx"),
        ..OnnxConfig::default()
    };
    let detector = DlibEngine::open(&DlibModels::in_dir(&common::models_dir())).expect("dlib");
    assert!(OnnxEngine::open(missing, detector).is_err());
}

#[test]
fn rid_04_open_onnx_names_a_missing_runtime_or_model_and_opens_a_present_one() {
    let Some(setup) = setup() else { return };
    let models = common::models_dir();
    let model = setup.dir.join("encoder-open.onnx");
    write_model(&model, 112, 128);
    let config = |runtime: PathBuf, model: PathBuf| OnnxConfig {
        runtime,
        model,
        ..OnnxConfig::default()
    };
    let error = |c: OnnxConfig| match roadwarden_face::open_onnx(
        &models,
        &c,
        roadwarden_face::DEFAULT_DETECT_MAX_PIXELS,
    ) {
        Ok(_) => panic!("opened without its files: {c:?}"),
        Err(e) => e.to_string(),
    };
    let no_runtime = error(config(setup.dir.join("libonnxruntime.so"), model.clone()));
    assert!(
        no_runtime.contains("ONNX Runtime library not found at"),
        "{no_runtime}"
    );
    let no_model = error(config(setup.runtime.clone(), setup.dir.join("absent.onnx")));
    assert!(no_model.contains("ONNX model not found at"), "{no_model}");
    let unset = error(config(setup.runtime.clone(), PathBuf::new()));
    assert!(unset.contains("no path configured"), "{unset}");
    let engine = roadwarden_face::open_onnx(
        &models,
        &config(setup.runtime, model),
        roadwarden_face::DEFAULT_DETECT_MAX_PIXELS,
    )
    .expect("opens")
    .expect("a dlib build has the engine");
    assert_eq!(engine.name(), "dlib-hog+onnx");
}
