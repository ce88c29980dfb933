//! Validation of names, emails, passwords and free text, with PeerTube's limits.

use super::{DomainError, DomainResult};

/// Usernames: 1-50 characters from `a-z 0-9 . _` (PeerTube's rule).
pub fn username(value: &str) -> DomainResult<()> {
    let ok = (1..=50).contains(&value.chars().count())
        && value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "username",
            "Username must be 1 to 50 characters from lowercase letters, digits, '.' and '_'",
        ))
    }
}

/// Channel names: 1-50 characters from `a-z A-Z 0-9 - _ . :` (PeerTube's rule).
pub fn channel_name(field: &'static str, value: &str) -> DomainResult<()> {
    let ok = (1..=50).contains(&value.chars().count())
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | ':'));
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            field,
            "Channel name must be 1 to 50 characters from letters, digits, '-', '_', '.' and ':'",
        ))
    }
}

pub fn password(value: &str) -> DomainResult<()> {
    let len = value.chars().count();
    if (6..=255).contains(&len) {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "password",
            "Password must be 6 to 255 characters long",
        ))
    }
}

/// A deliberately simple email check: one `@`, a dot in the domain, no spaces, at most 400
/// characters. Real validation is the confirmation email, which needs SMTP.
pub fn email(value: &str) -> DomainResult<()> {
    let ok = value.len() <= 400
        && !value.contains(char::is_whitespace)
        && match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            }
            None => false,
        };
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "email",
            "Email is not a valid address",
        ))
    }
}

/// Free text between `min` and `max` characters, without control characters except new lines.
pub fn text(field: &'static str, value: &str, min: usize, max: usize) -> DomainResult<()> {
    let len = value.chars().count();
    if len < min || len > max {
        return Err(DomainError::invalid(
            field,
            format!("{field} must be {min} to {max} characters long"),
        ));
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(DomainError::invalid(
            field,
            format!("{field} must not contain control characters"),
        ));
    }
    Ok(())
}

pub fn display_name(value: &str) -> DomainResult<()> {
    text("displayName", value, 1, 120)?;
    if value.trim().is_empty() {
        return Err(DomainError::invalid(
            "displayName",
            "displayName must not be blank",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_follow_peertube_rules() {
        assert!(username("alice").is_ok());
        assert!(username("a.b_c9").is_ok());
        for bad in [
            "",
            "Alice",
            "al ice",
            "élodie",
            "a'; DROP TABLE users;--",
            &"x".repeat(51),
        ] {
            assert!(username(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn channel_names_allow_more() {
        assert!(channel_name("name", "My-Channel:1").is_ok());
        assert!(channel_name("name", "no/slash").is_err());
    }

    #[test]
    fn emails_need_a_domain() {
        assert!(email("a@b.org").is_ok());
        for bad in ["a", "a@b", "@b.org", "a@@b.org", "a b@c.org", "a@.org"] {
            assert!(email(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
