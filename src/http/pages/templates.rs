//! Server-side templates (minijinja) embedded from `web/templates`, with the `t()` function that
//! looks strings up in the translation catalog `web/i18n/<lang>.json`.

use std::collections::HashMap;

use minijinja::value::Kwargs;
use minijinja::{Environment, Error, ErrorKind};
use rust_embed::RustEmbed;
use serde::Serialize;

#[derive(RustEmbed)]
#[folder = "web/templates/"]
struct TemplateFiles;

#[derive(RustEmbed)]
#[folder = "web/i18n/"]
struct Catalogs;

pub struct Templates {
    env: Environment<'static>,
}

/// The English catalog; adding a language is adding `web/i18n/<lang>.json` with the same keys.
fn catalog(lang: &str) -> Result<HashMap<String, String>, Error> {
    let file = Catalogs::get(&format!("{lang}.json")).ok_or_else(|| {
        Error::new(
            ErrorKind::TemplateNotFound,
            format!("no catalog for {lang}"),
        )
    })?;
    serde_json::from_slice(&file.data)
        .map_err(|e| Error::new(ErrorKind::CannotDeserialize, e.to_string()))
}

impl Templates {
    pub fn load() -> Result<Templates, Error> {
        let mut env = Environment::new();
        for name in TemplateFiles::iter() {
            let Some(file) = TemplateFiles::get(&name) else {
                continue;
            };
            let source = String::from_utf8(file.data.into_owned())
                .map_err(|e| Error::new(ErrorKind::SyntaxError, e.to_string()))?;
            env.add_template_owned(name.to_string(), source)?;
        }
        env.add_global("asset_v", crate::http::assets::bundle_version());
        env.add_filter("markdown", |source: Option<String>| {
            minijinja::Value::from_safe_string(super::markdown::to_html(
                &source.unwrap_or_default(),
            ))
        });
        env.add_filter("duration", |seconds: i64| {
            let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
            if h > 0 {
                format!("{h}:{m:02}:{s:02}")
            } else {
                format!("{m}:{s:02}")
            }
        });
        env.add_filter("filesize", |bytes: i64| {
            let mut value = bytes.max(0) as f64;
            let mut unit = 0;
            while value >= 1024.0 && unit < 4 {
                value /= 1024.0;
                unit += 1;
            }
            let units = ["B", "KiB", "MiB", "GiB", "TiB"];
            if unit == 0 {
                format!("{bytes} B")
            } else {
                format!("{value:.1} {}", units[unit])
            }
        });
        let strings = catalog("en")?;
        // Strings the page scripts use (keys starting `js.`), given to them as JSON in the page.
        let js_strings: std::collections::BTreeMap<String, String> = strings
            .iter()
            .filter(|(k, _)| k.starts_with("js."))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        env.add_global("js_strings", minijinja::Value::from_serialize(&js_strings));
        env.add_function(
            "t",
            move |key: &str, kwargs: Kwargs| -> Result<String, Error> {
                let mut text = strings.get(key).cloned().unwrap_or_else(|| key.to_string());
                for arg in kwargs.args() {
                    let value: minijinja::Value = kwargs.get(arg)?;
                    text = text.replace(&format!("{{{arg}}}"), &value.to_string());
                }
                Ok(text)
            },
        );
        Ok(Templates { env })
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, Error> {
        self.env.get_template(name)?.render(ctx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_compiles_and_catalog_loads() {
        let t = Templates::load().expect("templates load");
        assert!(t.env.templates().count() >= 5);
        assert!(catalog("en").unwrap().contains_key("nav.home"));
    }
}
