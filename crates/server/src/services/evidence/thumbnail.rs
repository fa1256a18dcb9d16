//! Small pictures for the footage list (issue 14): a photo is read under the same approval as
//! the player (BWC-08, each viewing recorded), decoded with bounds, scaled down and sent as a
//! small JPEG, so a page of thumbnails costs kilobytes, not the full photos.

use image::codecs::jpeg::JpegEncoder;
use image::imageops::FilterType;
use image::{ImageReader, Limits};
use roadwarden_domain::evidence::footage::MediaKind;
use tokio::io::AsyncReadExt;

use super::library;
use crate::auth::Principal;
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// The longest side of a thumbnail, in pixels (twice the list's 96 × 72 cell, for sharp
/// screens).
pub const MAX_SIDE: u32 = 192;

/// The largest photo a thumbnail is made from: larger files show their icon instead.
const MAX_SOURCE_BYTES: u64 = 24 << 20;

/// The most pixels a decoded photo may have (a 12,000 × 8,000 photo; a decompression bomb
/// stops here).
const MAX_PIXELS: u64 = 96_000_000;

/// The thumbnail of photo `id` as JPEG bytes, for a viewer with a live approval to view it.
pub async fn of_photo(
    ctx: &ServiceContext,
    p: &Principal,
    meta: &RequestMeta,
    id: i64,
) -> AppResult<Vec<u8>> {
    let content = library::content(ctx, p, meta, id, None).await?;
    if content.evidence.media_kind != MediaKind::Image
        || content.evidence.length as u64 > MAX_SOURCE_BYTES
    {
        return Err(AppError::NotFound("thumbnail"));
    }
    let mut bytes = Vec::with_capacity(content.evidence.length as usize);
    content
        .reader
        .take(MAX_SOURCE_BYTES)
        .read_to_end(&mut bytes)
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    tokio::task::spawn_blocking(move || scale_down(&bytes, MAX_SIDE))
        .await
        .map_err(|e| AppError::Internal(e.into()))?
        .ok_or(AppError::NotFound("thumbnail"))
}

/// `photo` (JPEG or PNG) scaled so that its longer side is at most `max_side`, as JPEG;
/// `None` when it is not a picture this can read.
pub fn scale_down(photo: &[u8], max_side: u32) -> Option<Vec<u8>> {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    let mut reader = ImageReader::new(std::io::Cursor::new(photo))
        .with_guessed_format()
        .ok()?;
    reader.limits(limits);
    let (w, h) = reader.into_dimensions().ok()?;
    if u64::from(w) * u64::from(h) > MAX_PIXELS {
        return None;
    }
    let mut reader = ImageReader::new(std::io::Cursor::new(photo))
        .with_guessed_format()
        .ok()?;
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_PIXELS * 4);
    reader.limits(limits);
    let picture = reader.decode().ok()?;
    let small = if w.max(h) > max_side {
        picture.resize(max_side, max_side, FilterType::Triangle)
    } else {
        picture
    };
    let mut out = Vec::new();
    JpegEncoder::new_with_quality(&mut out, 80)
        .encode_image(&small.to_rgb8())
        .ok()?;
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn photo(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
        });
        let mut out = Vec::new();
        JpegEncoder::new_with_quality(&mut out, 90)
            .encode_image(&img)
            .unwrap();
        out
    }

    #[test]
    fn a_large_photo_comes_back_small_with_its_proportions() {
        let small = scale_down(&photo(1600, 1200), MAX_SIDE).unwrap();
        let back = image::load_from_memory(&small).unwrap();
        assert_eq!((back.width(), back.height()), (192, 144));
    }

    #[test]
    fn a_small_photo_is_not_enlarged_and_a_non_picture_is_none() {
        let back =
            image::load_from_memory(&scale_down(&photo(120, 80), MAX_SIDE).unwrap()).unwrap();
        assert_eq!((back.width(), back.height()), (120, 80));
        assert!(scale_down(b"not a picture", MAX_SIDE).is_none());
    }
}
