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
        let strings = catalog("en")?;
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
