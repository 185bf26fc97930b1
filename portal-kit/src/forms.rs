//! Small pure helpers for form input, tested natively.

/// The text is not a whole number in the range asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutOfRange;

/// A whole number in `range` (`None` when the text is empty), or
/// [`OutOfRange`] when the text is not one.
pub fn whole_number_in(
    text: &str,
    range: std::ops::RangeInclusive<i64>,
) -> Result<Option<i64>, OutOfRange> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i64>() {
        Ok(value) if range.contains(&value) => Ok(Some(value)),
        _ => Err(OutOfRange),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_whole_and_in_range() {
        assert_eq!(whole_number_in("", 5..=1440), Ok(None));
        assert_eq!(whole_number_in(" 30 ", 5..=1440), Ok(Some(30)));
        assert_eq!(whole_number_in("4", 5..=1440), Err(OutOfRange));
        assert_eq!(whole_number_in("1441", 5..=1440), Err(OutOfRange));
        assert_eq!(whole_number_in("2.5", 1..=720), Err(OutOfRange));
        assert_eq!(whole_number_in("soon", 1..=720), Err(OutOfRange));
    }
}
