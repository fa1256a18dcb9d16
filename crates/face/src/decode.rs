//! A photo's bytes to RGB pixels, within bounds a stranger cannot stretch.

use std::io::Cursor;

use image::{ImageDecoder, ImageReader, RgbImage};
use serde::Deserialize;

use crate::HoldReason;

/// How large a photo may be, in bytes and in pixels (checked from the header, before decoding).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DecodeLimits {
    pub max_bytes: usize,
    pub max_pixels: u64,
}

impl Default for DecodeLimits {
    fn default() -> Self {
        // A 4K camera frame is 8.3 MP; 24 MP leaves room for still cameras.
        Self {
            max_bytes: 16 * 1024 * 1024,
            max_pixels: 24_000_000,
        }
    }
}

/// A decoded photo, 8-bit RGB, row-major. Every engine reads this.
#[derive(Debug, Clone)]
pub struct FaceImage {
    rgb: RgbImage,
}

impl FaceImage {
    /// Decodes JPEG or PNG bytes. Anything else, a truncated file, or a picture over the limits
    /// is a held outcome with its reason, never a panic.
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Self, HoldReason> {
        if bytes.len() > limits.max_bytes {
            return Err(HoldReason::ImageTooLarge);
        }
        let mut reader = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| HoldReason::ImageUnreadable)?;
        if reader.format().is_none() {
            return Err(HoldReason::ImageUnreadable);
        }
        // The decoders' own allocation bound, in case a header lies about the size.
        let mut bounds = image::Limits::default();
        bounds.max_alloc = Some(limits.max_pixels.saturating_mul(4));
        reader.limits(bounds);
        let decoder = reader
            .into_decoder()
            .map_err(|_| HoldReason::ImageUnreadable)?;
        let (width, height) = decoder.dimensions();
        if width == 0 || height == 0 {
            return Err(HoldReason::ImageUnreadable);
        }
        if u64::from(width) * u64::from(height) > limits.max_pixels {
            return Err(HoldReason::ImageTooLarge);
        }
        let image =
            image::DynamicImage::from_decoder(decoder).map_err(|_| HoldReason::ImageUnreadable)?;
        Ok(Self {
            rgb: image.into_rgb8(),
        })
    }

    /// Wraps pixels already decoded (tests, frames from a video decoder).
    pub fn from_rgb(rgb: RgbImage) -> Self {
        Self { rgb }
    }

    pub fn rgb(&self) -> &RgbImage {
        &self.rgb
    }

    pub fn width(&self) -> u32 {
        self.rgb.width()
    }

    pub fn height(&self) -> u32 {
        self.rgb.height()
    }
}
