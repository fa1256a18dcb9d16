//! The public's multipart forms, read the same way for the API and the pages: an owner's
//! objection (APL-02) and a report from the public (REV-05). Each photo is read up to its
//! limit and no further.

use axum::extract::multipart::Field;
use axum::extract::Multipart;
use axum::http::StatusCode;
use bytes::{Bytes, BytesMut};
use roadwarden_domain::FieldError;

use super::objections::ObjectionInput;
use super::public_reports::ReportInput;
use crate::edge::record_id;
use crate::error::{AppError, AppResult};
use crate::services::context::ServiceContext;

/// Reads the objection form: violation_id, plate, vin_tail, text, contact and the photos.
pub async fn objection_form(mut form: Multipart) -> AppResult<ObjectionInput> {
    let mut input = ObjectionInput::default();
    let bad = || FieldError::new("body", "is not a readable form");
    while let Some(field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some_and(|f| !f.is_empty());
        let bytes = field.bytes().await.map_err(|_| bad())?;
        if name == "photos" {
            if is_file && !bytes.is_empty() {
                input.photos.push(bytes);
            }
            continue;
        }
        let value = String::from_utf8(bytes.to_vec()).map_err(|_| bad())?;
        match name.as_str() {
            "violation_id" => input.violation_id = record_id("violation_id", &value)?,
            "plate" => input.plate = value,
            "vin_tail" => input.vin_tail = value,
            "text" => input.text = value,
            "contact" => input.contact = value,
            _ => {}
        }
    }
    Ok(input)
}

/// Reads the report form. Each photo is read up to the image limit and no further, each text
/// field up to 1 kB, and no more photos than a capture may carry (plus one, so the count check
/// can name the limit).
pub async fn report_form(ctx: &ServiceContext, mut form: Multipart) -> AppResult<ReportInput> {
    let limits = &ctx.settings.captures;
    let mut input = ReportInput::default();
    let bad = || FieldError::new("body", "is not a readable form");
    while let Some(mut field) = form.next_field().await.map_err(|_| bad())? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let is_file = field.file_name().is_some_and(|f| !f.is_empty());
            let bytes = read_capped(&mut field, limits.max_image_bytes).await?;
            if is_file && !bytes.is_empty() {
                if input.photos.len() > limits.max_images {
                    return Err(FieldError::new(
                        "images",
                        format!("at most {} images per capture", limits.max_images),
                    )
                    .into());
                }
                input.photos.push(bytes);
            }
            continue;
        }
        let bytes = read_capped(&mut field, 1024).await?;
        let value = String::from_utf8(bytes.to_vec()).map_err(|_| bad())?;
        match name.as_str() {
            "unit" => input.unit = value,
            "plate" => input.plate = value,
            "plate_colour" => input.plate_colour = value,
            "vehicle_type" => input.vehicle_type = value,
            "violation_code" => input.violation_code = value,
            "place" => input.place = value,
            "captured_at" => input.captured_at = value,
            "phone" => input.phone = value,
            "code" => input.code = value,
            "lang" => input.lang = value,
            _ => {}
        }
    }
    if input.plate_colour.trim().is_empty() {
        input.plate_colour = "unknown".into();
    }
    Ok(input)
}

pub(crate) async fn read_capped(field: &mut Field<'_>, cap: usize) -> AppResult<Bytes> {
    let mut buf = BytesMut::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(cap)
        } else {
            FieldError::new("body", "is not a readable form").into()
        }
    })? {
        if buf.len() + chunk.len() > cap {
            return Err(AppError::TooLarge(cap));
        }
        buf.extend_from_slice(&chunk);
    }
    Ok(buf.freeze())
}
