//! Typed setting values and their textual forms: registration mode, log format, byte sizes.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RegistrationMode {
    Closed,
    Open,
    Approval,
}

impl RegistrationMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RegistrationMode::Closed => "closed",
            RegistrationMode::Open => "open",
            RegistrationMode::Approval => "approval",
        }
    }
}

impl FromStr for RegistrationMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "closed" => Ok(RegistrationMode::Closed),
            "open" => Ok(RegistrationMode::Open),
            "approval" => Ok(RegistrationMode::Approval),
            _ => Err(format!("expected one of closed, open, approval; got {s:?}")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            LogFormat::Text => "text",
            LogFormat::Json => "json",
        }
    }
}

impl FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.to_ascii_lowercase().as_str() {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            _ => Err(format!("expected text or json; got {s:?}")),
        }
    }
}

/// A size in bytes written as a plain number or with a unit: `500MB`, `4 GiB`, `1024`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let split = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        let (number, unit) = s.split_at(split);
        let number: f64 = number
            .parse()
            .map_err(|_| format!("expected a size such as 500MB or 4GiB; got {s:?}"))?;
        let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kb" => 1_000,
            "kib" | "k" => 1 << 10,
            "mb" => 1_000_000,
            "mib" | "m" => 1 << 20,
            "gb" => 1_000_000_000,
            "gib" | "g" => 1 << 30,
            "tb" => 1_000_000_000_000,
            "tib" | "t" => 1 << 40,
            other => {
                return Err(format!(
                    "unknown size unit {other:?} (use B, KB, MB, GB, TB or KiB, MiB, GiB, TiB)"
                ));
            }
        };
        let bytes = number * multiplier as f64;
        if !bytes.is_finite() || bytes > i64::MAX as f64 {
            return Err(format!("size {s:?} is too large"));
        }
        Ok(ByteSize(bytes as u64))
    }
}

/// A quota: a size, or -1 for unlimited.
pub fn parse_quota(s: &str) -> Result<i64, String> {
    if s.trim() == "-1" {
        return Ok(-1);
    }
    let size: ByteSize = s.parse()?;
    i64::try_from(size.0).map_err(|_| "quota too large".to_string())
}

/// Renders a byte count with the largest binary unit that divides it exactly.
pub fn format_bytes(bytes: u64) -> String {
    for (unit, size) in [
        ("TiB", 1u64 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ] {
        if bytes >= size && bytes.is_multiple_of(size) {
            return format!("{}{unit}", bytes / size);
        }
    }
    format!("{bytes}B")
}

/// How much memory one media worker process may allocate (`transcoding.worker_memory`): a
/// codec that runs away on a hostile upload then fails its own pass instead of pushing the
/// machine into swap or the kernel's OOM killer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkerMemory {
    /// Half of the machine's memory, shared by the transcodes that may run at once.
    Auto,
    Unlimited,
    Bytes(u64),
}

/// Smallest explicit limit, against a forgotten unit: a worker remuxing a small video takes
/// some 6 MB, encoding its AV1 rungs about 50 MB.
const WORKER_MEMORY_MIN: u64 = 16 << 20;

impl WorkerMemory {
    /// The limit in bytes, `None` for none, with `concurrency` transcodes at once.
    pub fn limit(self, concurrency: usize) -> Option<u64> {
        match self {
            WorkerMemory::Auto => {
                let info = rustix::system::sysinfo();
                // `c_ulong`: 32 bits on 32-bit ARM boards, 64 here.
                #[allow(clippy::useless_conversion)]
                let total =
                    u64::from(info.totalram).saturating_mul(u64::from(info.mem_unit.max(1)));
                let share = total / 2 / concurrency.max(1) as u64;
                (total > 0).then(|| share.max(WORKER_MEMORY_MIN))
            }
            WorkerMemory::Unlimited => None,
            WorkerMemory::Bytes(b) => Some(b),
        }
    }
}

impl FromStr for WorkerMemory {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "auto" => Ok(WorkerMemory::Auto),
            "unlimited" => Ok(WorkerMemory::Unlimited),
            size => {
                let bytes = size
                    .parse::<ByteSize>()
                    .map_err(|e| format!("expected auto, unlimited or a size; {e}"))?
                    .0;
                if bytes < WORKER_MEMORY_MIN {
                    return Err(format!(
                        "must be at least {}",
                        format_bytes(WORKER_MEMORY_MIN)
                    ));
                }
                Ok(WorkerMemory::Bytes(bytes))
            }
        }
    }
}

impl fmt::Display for WorkerMemory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WorkerMemory::Auto => f.write_str("auto"),
            WorkerMemory::Unlimited => f.write_str("unlimited"),
            WorkerMemory::Bytes(b) => f.write_str(&format_bytes(*b)),
        }
    }
}

/// Flattens nested TOML tables into dotted keys: `[instance] name = "x"` -> `instance.name`.
pub fn flatten_toml(table: &toml::Table) -> Vec<(String, toml::Value)> {
    let mut out = Vec::new();
    for (key, value) in table {
        match value {
            toml::Value::Table(inner) => {
                for (sub, v) in flatten_toml(inner) {
                    out.push((format!("{key}.{sub}"), v));
                }
            }
            other => out.push((key.clone(), other.clone())),
        }
    }
    out
}

/// The textual form of a scalar TOML value, as if it had come from an environment variable.
pub fn toml_to_raw(value: &toml::Value) -> Result<String, String> {
    match value {
        toml::Value::String(s) => Ok(s.clone()),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) => items
            .iter()
            .map(toml_to_raw)
            .collect::<Result<Vec<_>, _>>()
            .map(|parts| parts.join(",")),
        other => Err(format!(
            "expected a plain value, found a {}",
            other.type_str()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_memory_is_auto_unlimited_or_a_size() {
        assert_eq!("auto".parse(), Ok(WorkerMemory::Auto));
        assert_eq!("unlimited".parse(), Ok(WorkerMemory::Unlimited));
        let limit: WorkerMemory = " 1.5GiB ".parse().unwrap();
        assert_eq!(limit, WorkerMemory::Bytes(3 << 29));
        assert_eq!(limit.limit(4), Some(3 << 29));
        assert_eq!(WorkerMemory::Unlimited.limit(1), None);
        // Half of this machine's memory, whatever it has, shared by concurrent transcodes.
        let auto = WorkerMemory::Auto
            .limit(1)
            .expect("sysinfo knows the memory");
        assert!(auto >= WORKER_MEMORY_MIN, "{auto}");
        let shared = WorkerMemory::Auto.limit(2).unwrap();
        assert!(
            shared == auto / 2 || shared == WORKER_MEMORY_MIN,
            "{auto} {shared}"
        );
        for (text, shown) in [("auto", "auto"), ("2048MiB", "2GiB")] {
            let parsed: WorkerMemory = text.parse().unwrap();
            assert_eq!(parsed.to_string(), shown);
        }
        assert_eq!(
            "600".parse::<WorkerMemory>(),
            Err("must be at least 16MiB".to_string())
        );
        assert!(
            "lots"
                .parse::<WorkerMemory>()
                .unwrap_err()
                .starts_with("expected auto, unlimited or a size")
        );
    }

    #[test]
    fn sizes_parse_with_and_without_units() {
        assert_eq!("1024".parse::<ByteSize>(), Ok(ByteSize(1024)));
        assert_eq!("4MiB".parse::<ByteSize>(), Ok(ByteSize(4 << 20)));
        assert_eq!("1.5 GB".parse::<ByteSize>(), Ok(ByteSize(1_500_000_000)));
        assert!("ten".parse::<ByteSize>().is_err());
        assert!("5 parsecs".parse::<ByteSize>().is_err());
        assert_eq!(parse_quota("-1"), Ok(-1));
        assert_eq!(format_bytes(4 << 20), "4MiB");
        assert_eq!(format_bytes(1000), "1000B");
    }
}
