//! How one export column writes its dates or numbers, when not the way
//! the reader understands by itself (ISO 8601 times, plain numbers):
//! `formats = { "Close Date" = "%m/%d/%Y %I:%M %p", Amount = "1,234.00" }`
//! in the manifest. HubSpot and Salesforce exports write both in the
//! account owner's locale.

/// A format the manifest writes that cannot be read, or a cell that does
/// not match its column's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The strftime pattern has a directive chrono does not know.
    #[error("`{0}` is not a date format chrono can read (write it like \"%m/%d/%Y %I:%M %p\")")]
    BadPattern(String),
    /// Neither a date pattern nor an example number.
    #[error(
        "`{0}` is neither a date format (with %: \"%m/%d/%Y\") nor an example number (\"1,234.00\" or \"1.234,00\")"
    )]
    Unknown(String),
    /// A cell that does not match its column's date format.
    #[error("`{text}` does not match the format `{pattern}`")]
    NoMatch {
        /// The cell.
        text: String,
        /// The column's format.
        pattern: String,
    },
}

/// One column's format.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ColumnFormat {
    /// A date or time in strftime notation (`%m/%d/%Y %I:%M %p`); with
    /// no hour in it, a date only.
    Time(String),
    /// A number written with a thousands separator and/or a decimal
    /// comma, given by example (`1,234.00`, `1.234,00`, `1 234,5`).
    Number {
        /// The character between thousands, if any.
        thousands: Option<char>,
        /// The decimal mark.
        decimal: char,
    },
}

impl ColumnFormat {
    /// Reads a format as the manifest writes it; `Err` says what is wrong.
    pub fn parse(text: &str) -> Result<ColumnFormat, FormatError> {
        if text.contains('%') {
            // Check the pattern once here, not on every row.
            let items: Vec<_> = chrono::format::StrftimeItems::new(text).collect();
            if items.contains(&chrono::format::Item::Error) {
                return Err(FormatError::BadPattern(text.to_string()));
            }
            return Ok(ColumnFormat::Time(text.to_string()));
        }
        number_example(text).ok_or_else(|| FormatError::Unknown(text.to_string()))
    }

    /// `text` rewritten the way the reader understands it: a time as
    /// `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`) in the policy's timezone,
    /// a number with `.` as its decimal mark and no separators.
    pub fn apply(&self, text: &str) -> Result<String, FormatError> {
        let text = text.trim();
        match self {
            ColumnFormat::Time(pattern) => time(text, pattern),
            ColumnFormat::Number { thousands, decimal } => {
                let mut out = String::with_capacity(text.len());
                for c in text.chars() {
                    if Some(c) == *thousands || (c == '\u{a0}' && *thousands == Some(' ')) {
                        continue;
                    }
                    out.push(if c == *decimal { '.' } else { c });
                }
                Ok(out)
            }
        }
    }
}

fn time(text: &str, pattern: &str) -> Result<String, FormatError> {
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, pattern) {
        return Ok(t.format("%Y-%m-%d %H:%M:%S").to_string());
    }
    match chrono::NaiveDate::parse_from_str(text, pattern) {
        Ok(d) => Ok(d.format("%Y-%m-%d").to_string()),
        Err(_) => Err(FormatError::NoMatch {
            text: text.to_string(),
            pattern: pattern.to_string(),
        }),
    }
}

/// The separators of an example number. With two kinds of mark, the
/// first separates thousands and the last is the decimal mark; with one,
/// a space or `'` separates thousands, and `,` or `.` does too when it is
/// repeated or followed by exactly three digits (`1,234`), else it is the
/// decimal mark (`1234,5`).
fn number_example(text: &str) -> Option<ColumnFormat> {
    let t = text.trim();
    if !t.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let mut kinds: Vec<char> = Vec::new();
    for c in t.chars().filter(|c| !c.is_ascii_digit()) {
        if ![',', '.', ' ', '\''].contains(&c) {
            return None;
        }
        if !kinds.contains(&c) {
            kinds.push(c);
        }
    }
    let other = |c: char| if c == ',' { '.' } else { ',' };
    let (thousands, decimal) = match kinds.as_slice() {
        [t, d] if matches!(d, ',' | '.') => (Some(*t), *d),
        [c @ (' ' | '\'')] => (Some(*c), '.'),
        [c] => {
            let repeated = t.matches(*c).count() > 1;
            let after = t.rsplit(*c).next().map_or(0, str::len);
            if repeated || after == 3 {
                (Some(*c), other(*c))
            } else {
                (None, *c)
            }
        }
        _ => return None,
    };
    Some(ColumnFormat::Number { thousands, decimal })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    #[test]
    fn crm_dates_as_exports_write_them() {
        let f = ColumnFormat::parse("%m/%d/%Y %I:%M %p").unwrap();
        assert_eq!(f.apply("1/17/2024 2:05 PM").unwrap(), "2024-01-17 14:05:00");
        let f = ColumnFormat::parse("%b %d, %Y %I:%M %p").unwrap();
        assert_eq!(
            f.apply("Jan 19, 2024 8:00 AM").unwrap(),
            "2024-01-19 08:00:00"
        );
        let f = ColumnFormat::parse("%d/%m/%Y").unwrap();
        assert_eq!(f.apply("17/01/2024").unwrap(), "2024-01-17");
        assert!(f.apply("2024-01-17").is_err());
        assert!(ColumnFormat::parse("%Q").is_err());
    }

    #[test]
    fn numbers_by_example() {
        let cases = [
            ("1,234.00", "1,234,567.89", "1234567.89"),
            ("1.234,00", "1.234.567,89", "1234567.89"),
            ("1 234,5", "12 345,5", "12345.5"),
            ("1,234", "1,234,567", "1234567"),
            ("1234,5", "1234,25", "1234.25"),
        ];
        for (example, cell, read) in cases {
            let f = ColumnFormat::parse(example).unwrap();
            assert_eq!(f.apply(cell).unwrap(), read, "{example}");
        }
        assert!(ColumnFormat::parse("1234").is_err());
        assert!(ColumnFormat::parse("about 12").is_err());
    }
}
