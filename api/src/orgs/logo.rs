//! Organization logos. An org admin uploads one (base64 in GraphQL); it is
//! accepted only as PNG, JPEG or WebP told from its bytes (never from a name or
//! a claimed type, so no SVG or HTML gets through), within a size and dimension
//! limit, and only if it decodes. It is kept in `org_logos` and served by
//! [`serve`] under an address naming its hash.

use std::io::Cursor;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use image::{ImageFormat, ImageReader, Limits};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::db::{TenantScope, TenantTx};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Largest accepted logo, in bytes (the database checks it too).
pub const MAX_LOGO_BYTES: usize = 128 * 1024;
/// Largest accepted width and height, in pixels.
pub const MAX_LOGO_SIDE: u32 = 1024;
/// Memory a decoder may use while checking an image.
const MAX_DECODE_ALLOC: u64 = 16 * 1024 * 1024;

/// A checked logo, ready to keep.
pub struct Logo {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
    pub sha256: Vec<u8>,
    pub width: u32,
    pub height: u32,
}

fn invalid(reason: &'static str) -> AppError {
    AppError::validation("image", reason)
}

impl Logo {
    /// Checks base64-encoded image bytes. Reasons (in `extensions.reason`):
    /// `too_large`, `encoding`, `empty`, `type`, `dimensions`, `corrupt`.
    pub fn parse(encoded: &str) -> AppResult<Self> {
        let encoded = encoded.trim();
        if encoded.len() > MAX_LOGO_BYTES.div_ceil(3) * 4 {
            return Err(invalid("too_large"));
        }
        let bytes = STANDARD.decode(encoded).map_err(|_| invalid("encoding"))?;
        Self::check(bytes)
    }

    /// Checks raw image bytes.
    pub fn check(bytes: Vec<u8>) -> AppResult<Self> {
        if bytes.is_empty() {
            return Err(invalid("empty"));
        }
        if bytes.len() > MAX_LOGO_BYTES {
            return Err(invalid("too_large"));
        }
        let format = image::guess_format(&bytes).map_err(|_| invalid("type"))?;
        let content_type = match format {
            ImageFormat::Png => "image/png",
            ImageFormat::Jpeg => "image/jpeg",
            ImageFormat::WebP => "image/webp",
            _ => return Err(invalid("type")),
        };
        let (width, height) = ImageReader::with_format(Cursor::new(&bytes), format)
            .into_dimensions()
            .map_err(|_| invalid("corrupt"))?;
        if width == 0 || height == 0 || width > MAX_LOGO_SIDE || height > MAX_LOGO_SIDE {
            return Err(invalid("dimensions"));
        }
        // The whole image must decode: a valid header in front of anything
        // else is refused.
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_LOGO_SIDE);
        limits.max_image_height = Some(MAX_LOGO_SIDE);
        limits.max_alloc = Some(MAX_DECODE_ALLOC);
        let mut reader = ImageReader::with_format(Cursor::new(&bytes), format);
        reader.limits(limits);
        reader.decode().map_err(|_| invalid("corrupt"))?;
        let sha256 = Sha256::digest(&bytes).to_vec();
        Ok(Self {
            content_type,
            bytes,
            sha256,
            width,
            height,
        })
    }

    /// [`Logo::parse`] off the async runtime (decoding is CPU work).
    pub async fn parse_blocking(encoded: String) -> AppResult<Self> {
        tokio::task::spawn_blocking(move || Self::parse(&encoded))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
    }
}

/// Where the logo of `org_id` with hash `sha256` is served (relative to any
/// portal or the API).
pub fn url(org_id: Uuid, sha256: &[u8]) -> String {
    format!("/branding/{org_id}/logo/{}", hex::encode(sha256))
}

/// The address of the transaction's organization's logo, if it has one.
pub async fn current_url(tx: &TenantTx) -> AppResult<Option<String>> {
    let row = tx
        .conn()
        .query_one(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT sha256 FROM org_logos WHERE org_id = $1",
            [tx.scope().org_id.into()],
        ))
        .await?;
    Ok(row
        .map(|row| row.try_get::<Vec<u8>>("", "sha256"))
        .transpose()?
        .map(|hash| url(tx.scope().org_id, &hash)))
}

/// Keeps `logo` as the transaction's organization's logo, replacing any.
#[tracing::instrument(skip_all, fields(org_id = %tx.scope().org_id))]
pub async fn store(tx: &TenantTx, logo: &Logo) -> AppResult<String> {
    let org_id = tx.scope().org_id;
    tx.conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "INSERT INTO org_logos (org_id, content_type, image, sha256, width, height)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (org_id) DO UPDATE SET content_type = EXCLUDED.content_type,
                 image = EXCLUDED.image, sha256 = EXCLUDED.sha256,
                 width = EXCLUDED.width, height = EXCLUDED.height",
            [
                org_id.into(),
                logo.content_type.into(),
                logo.bytes.clone().into(),
                logo.sha256.clone().into(),
                i32::try_from(logo.width).unwrap_or(i32::MAX).into(),
                i32::try_from(logo.height).unwrap_or(i32::MAX).into(),
            ],
        ))
        .await?;
    Ok(url(org_id, &logo.sha256))
}

/// Removes the transaction's organization's logo; false if it had none.
#[tracing::instrument(skip_all, fields(org_id = %tx.scope().org_id))]
pub async fn remove(tx: &TenantTx) -> AppResult<bool> {
    let result = tx
        .conn()
        .execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "DELETE FROM org_logos WHERE org_id = $1",
            [tx.scope().org_id.into()],
        ))
        .await?;
    Ok(result.rows_affected() > 0)
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
    )
        .into_response()
}

/// `GET /branding/{org_id}/logo/{sha256}`: the logo, public (sign-in pages
/// show it), with its own content type, never sniffed, and cached for good
/// since the address changes with the image. A stale hash is not found.
pub async fn serve(
    State(state): State<AppState>,
    Path((org_id, hash)): Path<(String, String)>,
) -> Response {
    let (Ok(org_id), Ok(hash)) = (Uuid::parse_str(&org_id), hex::decode(&hash)) else {
        return not_found();
    };
    if hash.len() != 32 {
        return not_found();
    }
    let found = async {
        let tx = state
            .db
            .tenant(TenantScope {
                org_id,
                user_id: None,
            })
            .await?;
        let row = tx
            .conn()
            .query_one(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "SELECT content_type, image FROM org_logos WHERE org_id = $1 AND sha256 = $2",
                [org_id.into(), hash.into()],
            ))
            .await?;
        tx.commit().await?;
        row.map(|row| {
            Ok::<_, sea_orm::DbErr>((
                row.try_get::<String>("", "content_type")?,
                row.try_get::<Vec<u8>>("", "image")?,
            ))
        })
        .transpose()
    }
    .await;
    match found {
        Ok(Some((content_type, image))) => {
            let Ok(content_type) = HeaderValue::from_str(&content_type) else {
                return not_found();
            };
            (
                StatusCode::OK,
                [
                    (header::CONTENT_TYPE, content_type),
                    (
                        header::CACHE_CONTROL,
                        HeaderValue::from_static("public, max-age=31536000, immutable"),
                    ),
                    (
                        header::X_CONTENT_TYPE_OPTIONS,
                        HeaderValue::from_static("nosniff"),
                    ),
                    (
                        header::CONTENT_SECURITY_POLICY,
                        HeaderValue::from_static("default-src 'none'; sandbox"),
                    ),
                    (
                        header::CONTENT_DISPOSITION,
                        HeaderValue::from_static("inline; filename=\"logo\""),
                    ),
                ],
                image,
            )
                .into_response()
        }
        Ok(None) => not_found(),
        Err(error) => {
            let _ = crate::error::report_internal(&anyhow::Error::new(error));
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))],
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32) -> Vec<u8> {
        let mut out = Vec::new();
        image::RgbaImage::new(width, height)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .map_err(|e| e.to_string())
            .unwrap_or_default();
        out
    }

    fn reason(result: AppResult<Logo>) -> Option<&'static str> {
        match result {
            Err(AppError::Validation { reason, .. }) => Some(reason),
            _ => None,
        }
    }

    #[test]
    fn accepts_a_small_png_and_tells_its_type_and_size() {
        let logo = Logo::check(png(40, 20));
        assert!(
            matches!(&logo, Ok(l) if l.content_type == "image/png" && l.width == 40 && l.height == 20)
        );
    }

    #[test]
    fn refuses_svg_text_truncated_and_oversized_images() {
        let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec();
        assert_eq!(reason(Logo::check(svg)), Some("type"));
        assert_eq!(reason(Logo::check(b"hello".to_vec())), Some("type"));
        assert_eq!(reason(Logo::check(Vec::new())), Some("empty"));
        let mut truncated = png(64, 64);
        truncated.truncate(truncated.len() / 2);
        assert_eq!(reason(Logo::check(truncated)), Some("corrupt"));
        assert_eq!(reason(Logo::check(png(1025, 10))), Some("dimensions"));
        assert_eq!(
            reason(Logo::check(vec![0x89; MAX_LOGO_BYTES + 1])),
            Some("too_large")
        );
        assert_eq!(reason(Logo::parse("not base64!")), Some("encoding"));
    }
}
