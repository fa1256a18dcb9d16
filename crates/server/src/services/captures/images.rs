//! The pictures of a capture, whoever sends them (a device's push, a public report): inline
//! base64 decoded, checked (how many, how large, JPEG, of a known kind), and stored write-once
//! under their SHA-256.

use roadwarden_blob::BlobStore;
use roadwarden_domain::FieldError;
use roadwarden_store::captures::NewImage;

use super::ingest::{CaptureInput, RawImage};
use crate::error::{AppError, AppResult};

/// Decodes the inline base64 images of a JSON push.
pub fn inline_images(input: &mut CaptureInput) -> Result<Vec<RawImage>, FieldError> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    std::mem::take(&mut input.images)
        .into_iter()
        .map(|i| {
            let bytes = engine
                .decode(i.data.trim())
                .map_err(|_| FieldError::new("images", "data must be base64"))?;
            Ok(RawImage {
                kind: i.kind,
                bytes: bytes.into(),
                plate_rect: i.plate_rect,
            })
        })
        .collect()
}

/// The picture checks every capture passes, whoever sends it (a device's push, a public
/// report): how many, how large, JPEG, and of a known kind.
pub fn check_images(
    images: &[RawImage],
    settings: &crate::config::CaptureSettings,
) -> Result<(), FieldError> {
    if images.len() > settings.max_images {
        return Err(FieldError::new(
            "images",
            format!("at most {} images per capture", settings.max_images),
        ));
    }
    for img in images {
        if img.bytes.len() > settings.max_image_bytes {
            return Err(FieldError::new(
                "images",
                format!("an image may be at most {} bytes", settings.max_image_bytes),
            ));
        }
        if !roadwarden_isapi::is_jpeg(&img.bytes) {
            return Err(FieldError::new("images", "every image must be a JPEG"));
        }
        if !matches!(img.kind.as_str(), "plate" | "vehicle" | "scene") {
            return Err(FieldError::new(
                "images",
                "kind must be plate, vehicle or scene",
            ));
        }
    }
    Ok(())
}

/// Stores each image under its SHA-256; identical bytes are stored once.
pub(crate) async fn store_images(
    blobs: &dyn BlobStore,
    images: &[RawImage],
) -> AppResult<Vec<NewImage>> {
    let mut out = Vec::with_capacity(images.len());
    for img in images {
        let stored = blobs
            .put_bytes(img.bytes.clone())
            .await
            .map_err(AppError::internal)?;
        out.push(NewImage {
            kind: img.kind.clone(),
            blob_id: stored.id.as_str().to_owned(),
            bytes: stored.len as i64,
            plate_rect: img.plate_rect,
        });
    }
    Ok(out)
}
