//! Brand colours. The portals put white text on the brand colour, so a colour is
//! accepted only when that text stays readable (WCAG 2.2 AA, contrast ≥ 4.5:1).

use crate::error::{AppError, AppResult};

pub const DEFAULT_BRAND_COLOR: &str = "#1f4e79";

/// A `#rrggbb` colour on which white text has at least 4.5:1 contrast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrandColor(String);

impl BrandColor {
    pub fn parse(input: &str) -> AppResult<Self> {
        let hex = input
            .strip_prefix('#')
            .filter(|h| h.len() == 6 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .ok_or(AppError::validation("brandColor", "format"))?;
        let channel = |i: usize| {
            u8::from_str_radix(&hex[i..i + 2], 16)
                .map_err(|_| AppError::validation("brandColor", "format"))
        };
        let (r, g, b) = (channel(0)?, channel(2)?, channel(4)?);
        if contrast_with_white(r, g, b) < 4.5 {
            return Err(AppError::validation("brandColor", "contrast"));
        }
        Ok(Self(format!("#{}", hex.to_ascii_lowercase())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn linear(channel: u8) -> f64 {
    let c = f64::from(channel) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// WCAG contrast ratio of white on the colour.
pub fn contrast_with_white(r: u8, g: u8, b: u8) -> f64 {
    let luminance = 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
    1.05 / (luminance + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_dark_colours_and_normalizes_case() {
        assert_eq!(
            BrandColor::parse("#1F4E79").map(|c| c.0).ok(),
            Some("#1f4e79".to_owned())
        );
        assert!(BrandColor::parse(DEFAULT_BRAND_COLOR).is_ok());
    }

    #[test]
    fn refuses_unreadable_or_malformed_colours() {
        for bad in [
            "#ffffff",
            "#ffeb3b",
            "1f4e79",
            "#1f4e7",
            "#1f4e79aa",
            "#gggggg",
            "",
            "#1f4e7é",
        ] {
            assert!(BrandColor::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contrast_matches_known_values() {
        assert!((contrast_with_white(0, 0, 0) - 21.0).abs() < 0.01);
        assert!((contrast_with_white(255, 255, 255) - 1.0).abs() < 0.01);
    }
}
