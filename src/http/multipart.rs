//! Multipart forms read into memory with hard size caps: one file field (avatars, captions),
//! or a video form's text fields and pictures. Videos stream to disk instead.

use actix_multipart::{Field, Multipart};
use serde_json::{Map, Value};

use crate::domain::video_pictures::PictureUploads;
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

/// Largest text field of a form (a description is at most 10,000 characters).
pub const MAX_TEXT_FIELD: usize = 64 * 1024;

/// Adds a text field as PeerTube's clients send them: `tags[]`, `tags[0]`, `tags[1]`...
/// (peertube-cli's indexed form) or repeated `tags` build a list, in the order sent; everything
/// else is a string that the metadata parser converts.
pub fn add_text_field(fields: &mut Map<String, Value>, name: &str, text: String) {
    let indexed_tag = name
        .strip_prefix("tags[")
        .and_then(|rest| rest.strip_suffix(']'))
        .is_some_and(|index| index.chars().all(|c| c.is_ascii_digit()));
    if indexed_tag || name == "tags" {
        let tags = fields
            .entry("tags")
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = tags {
            list.push(Value::String(text));
        }
    } else {
        fields.insert(name.to_string(), Value::String(text));
    }
}

/// Reads a part into memory, 413 past `max` bytes.
pub async fn read_part(part: &mut Field, name: &str, max: usize) -> ApiResult<Vec<u8>> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
        if bytes.len() + chunk.len() > max {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!("{name} is larger than the {max} bytes allowed"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// A text field's value (at most `MAX_TEXT_FIELD` bytes of UTF-8).
pub async fn read_text(part: &mut Field, name: &str) -> ApiResult<String> {
    let bytes = read_part(part, name, MAX_TEXT_FIELD).await?;
    String::from_utf8(bytes)
        .map_err(|_| ApiError::invalid_field("body", format!("{name} is not UTF-8 text")))
}

/// The picture fields of a video form (`thumbnailfile`, `previewfile`), read into `pictures`
/// when `name` is one of them; false for other fields.
pub async fn read_picture(
    part: &mut Field,
    name: &str,
    max: u64,
    pictures: &mut PictureUploads,
) -> ApiResult<bool> {
    let slot = match name {
        "thumbnailfile" => &mut pictures.thumbnail,
        "previewfile" => &mut pictures.preview,
        _ => return Ok(false),
    };
    let bytes = read_part(part, name, usize::try_from(max).unwrap_or(usize::MAX)).await?;
    if !bytes.is_empty() {
        *slot = Some(bytes);
    }
    Ok(true)
}

/// A whole video form without a video file (a video edit): its text fields and pictures.
pub async fn read_video_form(
    mut form: Multipart,
    max_picture: u64,
) -> ApiResult<(Map<String, Value>, PictureUploads)> {
    let mut fields = Map::new();
    let mut pictures = PictureUploads::default();
    while let Some(item) = form.next().await {
        let mut part =
            item.map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
        let name = part
            .content_disposition()
            .and_then(|cd| cd.get_name())
            .unwrap_or("")
            .to_string();
        if read_picture(&mut part, &name, max_picture, &mut pictures).await? {
            continue;
        }
        let text = read_text(&mut part, &name).await?;
        add_text_field(&mut fields, &name, text);
    }
    Ok((fields, pictures))
}

/// A page's form (plain names, one value each; the last wins) and the pictures of a video
/// form, for pages that post `multipart/form-data` without scripts.
pub async fn read_page_form(
    mut form: Multipart,
    max_picture: u64,
) -> ApiResult<(std::collections::HashMap<String, String>, PictureUploads)> {
    let mut fields = std::collections::HashMap::new();
    let mut pictures = PictureUploads::default();
    while let Some(item) = form.next().await {
        let mut part =
            item.map_err(|e| ApiError::bad_request(format!("Malformed multipart body: {e}")))?;
        let name = part
            .content_disposition()
            .and_then(|cd| cd.get_name())
            .unwrap_or("")
            .to_string();
        if read_picture(&mut part, &name, max_picture, &mut pictures).await? {
            continue;
        }
        let text = read_text(&mut part, &name).await?;
        fields.insert(name, text);
    }
    Ok((fields, pictures))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_build_a_list_in_every_form_clients_send() {
        let mut fields = Map::new();
        for (name, value) in [
            ("tags[0]", "boats"),
            ("tags[1]", "harbour"),
            ("tags[]", "dawn"),
            ("tags", "sea"),
            ("tags[x]", "not a tag"),
            ("name", "Harbour"),
        ] {
            add_text_field(&mut fields, name, value.to_string());
        }
        assert_eq!(
            fields["tags"],
            serde_json::json!(["boats", "harbour", "dawn", "sea"])
        );
        assert_eq!(fields["tags[x]"], "not a tag");
        assert_eq!(fields["name"], "Harbour");
    }
}
