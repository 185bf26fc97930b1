//! Amounts as people type them, in minor units (cents) as the API stores
//! them. English writes `1,250.50`; Spanish `1.250,50`. Two decimals.

/// The amount typed in `locale`'s way, in minor units; `None` when it is not
/// an amount (letters, three decimals, a minus sign, empty).
pub fn parse(text: &str, locale: &str) -> Option<i64> {
    let (group, decimal) = separators(locale);
    let cleaned: String = text
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != group)
        .map(|c| if c == decimal { '.' } else { c })
        .collect();
    let (whole, cents) = match cleaned.split_once('.') {
        Some((whole, cents)) => (whole, cents),
        None => (cleaned.as_str(), ""),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() && cents.is_empty() || !digits(whole) || !digits(cents) || cents.len() > 2 {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let cents: i64 = match cents.len() {
        0 => 0,
        1 => cents.parse::<i64>().ok()? * 10,
        _ => cents.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(cents)
}

/// Minor units as `locale` writes them, grouped, with two decimals.
pub fn format(minor: i64, locale: &str) -> String {
    let (group, decimal) = separators(locale);
    let whole = (minor / 100).unsigned_abs().to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let sign = if minor < 0 { "-" } else { "" };
    format!(
        "{sign}{grouped}{decimal}{:02}",
        (minor % 100).unsigned_abs()
    )
}

fn separators(locale: &str) -> (char, char) {
    if locale.starts_with("es") {
        ('.', ',')
    } else {
        (',', '.')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_the_way_each_language_writes_them() {
        assert_eq!(parse("1,250.50", "en"), Some(125_050));
        assert_eq!(parse("1.250,50", "es"), Some(125_050));
        assert_eq!(parse(" 300 ", "en"), Some(30_000));
        assert_eq!(parse("12.5", "en"), Some(1_250));
        assert_eq!(parse(",75", "es"), Some(75));
        for bad in ["", "abc", "1.234", "-5", "1.2.3", "."] {
            assert_eq!(parse(bad, "en"), None, "{bad:?}");
        }
        assert_eq!(parse("99999999999999999999", "en"), None);
    }

    #[test]
    fn amounts_are_written_back_and_read_again() {
        assert_eq!(format(125_050, "en"), "1,250.50");
        assert_eq!(format(125_050, "es"), "1.250,50");
        assert_eq!(format(5, "en"), "0.05");
        assert_eq!(format(100_000_000, "en"), "1,000,000.00");
        for minor in [0, 7, 1_250, 99_999_999] {
            for locale in ["en", "es"] {
                assert_eq!(parse(&format(minor, locale), locale), Some(minor));
            }
        }
    }
}
