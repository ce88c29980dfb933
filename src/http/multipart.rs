//! Reading one file field of a multipart form into memory with a hard size cap (for small
//! uploads such as avatars; videos stream to disk instead).

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use futures_util::StreamExt;

use super::error::{ApiError, ApiResult};

/// The bytes of the file field named `field`; other fields are skipped. 413 past `max` bytes.
pub async fn read_file_field(
    mut form: Multipart,
    field: &'static str,
    max: u64,
) -> ApiResult<Vec<u8>> {
    while let Some(item) = form.next().await {
        let mut part =
            item.map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
        let is_wanted = part.content_disposition().and_then(|cd| cd.get_name()) == Some(field);
        let mut bytes = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk
                .map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
            if is_wanted {
                if bytes.len() as u64 + chunk.len() as u64 > max {
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        format!("{field} is larger than the {max} bytes allowed"),
                    ));
                }
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_wanted {
            if bytes.is_empty() {
                return Err(ApiError::invalid_field(field, "The file is empty"));
            }
            return Ok(bytes);
        }
    }
    Err(ApiError::invalid_field(
        field,
        format!("{field} is required"),
    ))
}
