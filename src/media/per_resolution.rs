//! A ladder setting that may differ per rung: one value for every rung, with `RES:VALUE`
//! entries that apply to the rungs up to RES (written `"120, 360:135"`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerResolution<T> {
    /// For rungs above every entry.
    default: T,
    /// `(up_to, value)`, sorted by `up_to`: a rung takes the first entry at or above it.
    up_to: Vec<(u32, T)>,
}

impl<T: Copy> PerResolution<T> {
    pub fn uniform(value: T) -> Self {
        PerResolution {
            default: value,
            up_to: Vec::new(),
        }
    }

    /// `default`, except `value` for rungs up to `resolution` (later entries of equal or
    /// smaller resolution take precedence below them).
    pub fn with(mut self, resolution: u32, value: T) -> Self {
        self.up_to.retain(|&(r, _)| r != resolution);
        self.up_to.push((resolution, value));
        self.up_to.sort_by_key(|&(r, _)| r);
        self
    }

    /// The value for a rung of this resolution (the picture's smaller side).
    pub fn at(&self, resolution: u32) -> T {
        self.up_to
            .iter()
            .find(|&&(r, _)| resolution <= r)
            .map_or(self.default, |&(_, v)| v)
    }

    /// Applies `f` to every value (a clamp, say).
    pub fn map(&self, f: impl Fn(T) -> T) -> Self {
        PerResolution {
            default: f(self.default),
            up_to: self.up_to.iter().map(|&(r, v)| (r, f(v))).collect(),
        }
    }

    /// Every value, for range checks.
    pub fn values(&self) -> impl Iterator<Item = T> + '_ {
        std::iter::once(self.default).chain(self.up_to.iter().map(|&(_, v)| v))
    }
}

impl<T: Copy + fmt::Display> fmt::Display for PerResolution<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.default)?;
        for (r, v) in &self.up_to {
            write!(f, ", {r}:{v}")?;
        }
        Ok(())
    }
}

impl<T: Copy + FromStr> FromStr for PerResolution<T> {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let example = "expected a value for every rung, then any RES:VALUE entries for the rungs up to RES, such as \"120\", \"120, 360:135\" or \"on, 720:off\"";
        let mut default = None;
        let mut up_to: Vec<(u32, T)> = Vec::new();
        for part in s.split(',').map(str::trim) {
            let parse = |text: &str| {
                text.trim()
                    .parse::<T>()
                    .map_err(|_| format!("{example}; {text:?} is not a value"))
            };
            match part.split_once(':') {
                None if default.is_none() && !part.is_empty() => default = Some(parse(part)?),
                None => return Err(format!("{example}; got {s:?}")),
                Some((res, value)) => {
                    let res: u32 = res
                        .trim()
                        .parse()
                        .ok()
                        .filter(|r| (16..=4320).contains(r))
                        .ok_or_else(|| format!("{example}; {res:?} is not a resolution"))?;
                    if up_to.iter().any(|&(r, _)| r == res) {
                        return Err(format!("resolution {res} is given twice in {s:?}"));
                    }
                    up_to.push((res, parse(value)?));
                }
            }
        }
        let default = default.ok_or_else(|| format!("{example}; got {s:?}"))?;
        Ok(up_to
            .into_iter()
            .fold(PerResolution::uniform(default), |acc, (r, v)| {
                acc.with(r, v)
            }))
    }
}

/// A per-rung switch, written `on` or `off` (`true` and `false` are read too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OnOff(pub bool);

impl FromStr for OnOff {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "on" | "true" => Ok(OnOff(true)),
            "off" | "false" => Ok(OnOff(false)),
            _ => Err(()),
        }
    }
}

impl fmt::Display for OnOff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0 { "on" } else { "off" })
    }
}

impl PerResolution<u8> {
    /// Parses the text form, refusing any value above `max` (rav1e's speed 10, quantizer 255).
    pub fn parse_at_most(text: &str, max: u8) -> Result<Self, String> {
        let parsed: Self = text.parse()?;
        let too_high = parsed.values().find(|&v| v > max);
        match too_high {
            Some(v) => Err(format!("{v} is above the highest value, {max}")),
            None => Ok(parsed),
        }
    }
}

/// Serialised as its text (`"120, 360:135"`); a plain number (what an older configuration or job
/// held) reads as a uniform value.
impl<T: Copy + fmt::Display> Serialize for PerResolution<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de, T: Copy + FromStr> Deserialize<'de> for PerResolution<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Written {
            Number(u64),
            Switch(bool),
            Text(String),
        }
        let text = match Written::deserialize(d)? {
            Written::Number(n) => n.to_string(),
            Written::Switch(b) => b.to_string(),
            Written::Text(t) => t,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_apply_up_to_their_resolution() {
        let q: PerResolution<u8> = "120, 360:135, 240:140".parse().unwrap();
        assert_eq!(q.at(144), 140);
        assert_eq!(q.at(240), 140);
        assert_eq!(q.at(300), 135);
        assert_eq!(q.at(360), 135);
        assert_eq!(q.at(480), 120);
        assert_eq!(q.at(2160), 120);
        assert_eq!(q.to_string(), "120, 240:140, 360:135");
        assert_eq!(q.to_string().parse::<PerResolution<u8>>().unwrap(), q);
    }

    #[test]
    fn a_plain_value_is_uniform() {
        let q: PerResolution<u8> = " 100 ".parse().unwrap();
        assert_eq!(q, PerResolution::uniform(100));
        assert_eq!(q.to_string(), "100");
        assert_eq!(q.values().collect::<Vec<_>>(), [100]);
    }

    #[test]
    fn bad_text_is_refused_with_the_expected_form() {
        for bad in [
            "",
            "360:135",
            "120, 130",
            "120, 360:135, 360:140",
            "120, 360:",
            "120, x:3",
            "120, 5:3",
            "300",
            "120,,",
        ] {
            let e = bad.parse::<PerResolution<u8>>().unwrap_err();
            assert!(
                e.contains("120, 360:135") || e.contains("twice"),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn values_above_the_maximum_are_refused() {
        assert!(PerResolution::parse_at_most("10, 360:9", 10).is_ok());
        let e = PerResolution::parse_at_most("10, 360:11", 10).unwrap_err();
        assert_eq!(e, "11 is above the highest value, 10");
    }

    #[test]
    fn switches_read_on_and_off() {
        let s: PerResolution<OnOff> = "on, 720:off".parse().unwrap();
        assert_eq!((s.at(720), s.at(1080)), (OnOff(false), OnOff(true)));
        assert_eq!(s.to_string(), "on, 720:off");
        assert_eq!(
            "true".parse::<PerResolution<OnOff>>().unwrap().at(1),
            OnOff(true)
        );
        assert!("yes".parse::<PerResolution<OnOff>>().is_err());
    }

    #[test]
    fn serde_reads_numbers_and_text_and_writes_text() {
        let q: PerResolution<u8> = serde_json::from_str("120").unwrap();
        assert_eq!(q, PerResolution::uniform(120));
        let q: PerResolution<u8> = serde_json::from_str("\"120, 360:135\"").unwrap();
        assert_eq!(serde_json::to_string(&q).unwrap(), "\"120, 360:135\"");
        assert!(serde_json::from_str::<PerResolution<u8>>("\"x\"").is_err());
    }
}
