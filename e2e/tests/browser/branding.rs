//! The organization's logo: the demo admin uploads one on Settings (an SVG and
//! a text file named .png are refused with a clear message), it shows in the
//! admin portal's header, on both portals' sign-in pages for the organization
//! and in the client portal's header once signed in; removing it takes it away.

use std::io::Cursor;
use std::path::PathBuf;

use anyhow::{Context, ensure};
use caucus_api::seed::{DEMO_ORG_SLUG, DEMO_PASSWORD};
use thirtyfour::prelude::*;

use crate::harness::{Browser, with_browser};

/// Writes `bytes` to a fresh temporary file called `name`.
fn temp_file(name: &str, bytes: &[u8]) -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("caucus-logo-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join(name);
    std::fs::write(&path, bytes)?;
    Ok(path)
}

fn png_logo() -> anyhow::Result<Vec<u8>> {
    let image = image::RgbaImage::from_fn(160, 48, |x, _| {
        image::Rgba([20, 60, u8::try_from(x % 256).unwrap_or(0), 255])
    });
    let mut out = Vec::new();
    image.write_to(&mut Cursor::new(&mut out), image::ImageFormat::Png)?;
    Ok(out)
}

async fn choose_and_upload(b: &Browser, path: &std::path::Path) -> anyhow::Result<()> {
    b.driver
        .find(By::Id("logo-file"))
        .await?
        .send_keys(path.to_string_lossy())
        .await?;
    b.click("upload-logo").await
}

/// The `src` of the header's logo, if one is shown.
async fn header_logo(b: &Browser) -> anyhow::Result<Option<String>> {
    let found = b.driver.find_all(By::Id("header-logo")).await?;
    match found.first() {
        Some(img) => Ok(img.attr("src").await?),
        None => Ok(None),
    }
}

/// Waits until the header shows a logo, and returns its `src`.
async fn wait_for_header_logo(b: &Browser) -> anyhow::Result<String> {
    for _ in 0..100 {
        if let Some(src) = header_logo(b).await? {
            return Ok(src);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    anyhow::bail!("no logo in the header")
}

/// Whether the image element `id` has loaded a picture (not a broken image).
async fn loaded(b: &Browser, id: &str) -> anyhow::Result<bool> {
    let ok: bool = b
        .driver
        .execute(
            &format!(
                "const i = document.getElementById('{id}'); return !!i && i.complete && i.naturalWidth > 0;"
            ),
            Vec::<serde_json::Value>::new(),
        )
        .await?
        .convert()?;
    Ok(ok)
}

#[tokio::test]
async fn an_admin_uploads_a_logo_that_brands_both_portals_and_removes_it() {
    with_browser("branding", async |b| {
        b.driver.goto(b.admin_url("/settings")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.text_of("logo-title").await?;
        b.text_of("no-logo").await?;
        ensure!(header_logo(b).await?.is_none(), "a logo before any upload");

        // An SVG and a text file named .png are refused, and say why.
        let svg = temp_file(
            "logo.svg",
            br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
        )?;
        choose_and_upload(b, &svg).await?;
        b.wait_for_text("logo-problem", "not a PNG, JPEG or WebP")
            .await?;
        let fake = temp_file("logo.png", b"this is only text, named logo.png")?;
        choose_and_upload(b, &fake).await?;
        b.wait_for_text("logo-problem", "not a PNG, JPEG or WebP")
            .await?;
        b.assert_accessible("settings with a refused logo").await?;

        // A real PNG is kept, previewed and shown in the header at once.
        let png = temp_file("logo.png", &png_logo()?)?;
        choose_and_upload(b, &png).await?;
        b.text_of("logo-outcome").await?;
        b.text_of("current-logo").await?;
        let src = wait_for_header_logo(b).await?;
        ensure!(src.contains("/branding/"), "header logo from {src}");
        ensure!(
            loaded(b, "header-logo").await?,
            "the header logo did not load"
        );
        ensure!(loaded(b, "current-logo").await?, "the preview did not load");
        b.assert_accessible("settings with a logo").await?;

        // The sign-in pages of the organization show it, in both portals.
        b.click("sign-out").await?;
        b.text_of("email").await?;
        for url in [
            b.admin_url(&format!("/?org={DEMO_ORG_SLUG}")),
            b.client_url(&format!("/?org={DEMO_ORG_SLUG}")),
        ] {
            b.driver.goto(&url).await?;
            b.text_of("email").await?;
            wait_for_header_logo(b)
                .await
                .with_context(|| format!("no logo on {url}"))?;
            ensure!(
                loaded(b, "header-logo").await?,
                "the logo did not load on {url}"
            );
        }
        b.assert_accessible("client sign-in with the logo").await?;
        // Signed in, the client portal's header keeps it.
        b.sign_in("party@demo.caucus.test", DEMO_PASSWORD).await?;
        b.text_of("signed-in-as").await?;
        wait_for_header_logo(b).await?;
        b.click("sign-out").await?;
        b.text_of("email").await?;

        // Removed, it is gone from the header and the sign-in page.
        b.driver.goto(b.admin_url("/settings")).await?;
        b.sign_in("admin@demo.caucus.test", DEMO_PASSWORD).await?;
        b.click("remove-logo").await?;
        b.wait_for_text("logo-outcome", "removed").await?;
        b.text_of("no-logo").await?;
        for _ in 0..50 {
            if header_logo(b).await?.is_none() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        ensure!(
            header_logo(b).await?.is_none(),
            "the header still shows the logo"
        );
        Ok(())
    })
    .await;
}
