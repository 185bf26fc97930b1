//! Organization logos: org admins upload a PNG, JPEG or WebP (told from the
//! bytes), it is served with its own type under an address naming its hash,
//! shown in the public branding, replaced and removed, and audited. Anything
//! else, too big or from someone else is refused and changes nothing.

use std::io::Cursor;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use caucus_api::authz::RoleKey;
use caucus_api::testkit::{self, TestApp};
use image::{ImageFormat, Rgba, RgbaImage};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement, TransactionTrait};
use serde_json::{Value, json};

use crate::support::{Client, PASSWORD, assert_ok, error_code, org_with};

const SET: &str =
    "mutation Set($image: String!) { setOrganizationLogo(image: $image) { slug logoUrl } }";
const REMOVE: &str = "mutation { removeOrganizationLogo { logoUrl } }";
const CURRENT: &str = "{ organization { logoUrl } me { organization { logoUrl } } }";

fn picture(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let image = RgbaImage::from_fn(width, height, |x, y| {
        Rgba([(x % 256) as u8, (y % 256) as u8, 120, 255])
    });
    let mut out = Vec::new();
    if format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgba8(image)
            .to_rgb8()
            .write_to(&mut Cursor::new(&mut out), format)
            .unwrap();
    } else {
        image.write_to(&mut Cursor::new(&mut out), format).unwrap();
    }
    out
}

async fn set_logo(client: &mut Client, bytes: &[u8]) -> Value {
    client
        .gql(SET, json!({ "image": STANDARD.encode(bytes) }))
        .await
}

/// `GET path` on the API: status, content type, nosniff, cache-control, body.
async fn fetch(app: &TestApp, path: &str) -> (u16, String, String, String, Vec<u8>) {
    let response = reqwest::get(app.url(path)).await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (content_type, nosniff, cache) = (
        header("content-type"),
        header("x-content-type-options"),
        header("cache-control"),
    );
    let status = response.status().as_u16();
    let body = response.bytes().await.unwrap().to_vec();
    (status, content_type, nosniff, cache, body)
}

fn reason(body: &Value) -> (String, String, String) {
    let ext = &body["errors"][0]["extensions"];
    (
        error_code(body),
        ext["field"].as_str().unwrap_or_default().to_owned(),
        ext["reason"].as_str().unwrap_or_default().to_owned(),
    )
}

async fn admin_of(app: &TestApp, slug: &str) -> (Client, Vec<String>) {
    let (_, emails) = org_with(app, slug, &[RoleKey::OrgAdmin, RoleKey::CaseManager]).await;
    let mut admin = Client::new(app);
    assert_ok(&admin.sign_in(&emails[0], PASSWORD).await);
    (admin, emails)
}

#[tokio::test]
async fn an_admin_sets_replaces_and_removes_the_logo_which_is_served_and_branded() {
    let app = testkit::spawn().await;
    let (mut admin, _) = admin_of(&app, "logos").await;
    let none = admin.gql(CURRENT, json!({})).await;
    assert_ok(&none);
    assert!(none["data"]["organization"]["logoUrl"].is_null());

    // A PNG: served as image/png, never sniffed, cached for good.
    let png = picture(120, 40, ImageFormat::Png);
    let set = set_logo(&mut admin, &png).await;
    assert_ok(&set);
    let url = set["data"]["setOrganizationLogo"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(url.starts_with("/branding/"), "{url}");
    let (status, content_type, nosniff, cache, body) = fetch(&app, &url).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "image/png");
    assert_eq!(nosniff, "nosniff");
    assert!(
        cache.contains("immutable") && cache.contains("public"),
        "{cache}"
    );
    assert_eq!(body, png);

    // The viewer, the organization and the public sign-in branding agree.
    let current = admin.gql(CURRENT, json!({})).await;
    assert_eq!(current["data"]["organization"]["logoUrl"], url.as_str());
    assert_eq!(
        current["data"]["me"]["organization"]["logoUrl"],
        url.as_str()
    );
    let mut anonymous = Client::new(&app);
    let branding = anonymous
        .gql("{ branding(slug: \"logos\") { logoUrl } }", json!({}))
        .await;
    assert_eq!(branding["data"]["branding"]["logoUrl"], url.as_str());

    // A JPEG replaces it under a new address; the old one is gone.
    let jpeg = picture(64, 64, ImageFormat::Jpeg);
    let replaced = set_logo(&mut admin, &jpeg).await;
    assert_ok(&replaced);
    let new_url = replaced["data"]["setOrganizationLogo"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new_url, url);
    let (status, content_type, _, _, body) = fetch(&app, &new_url).await;
    assert_eq!((status, content_type.as_str()), (200, "image/jpeg"));
    assert_eq!(body, jpeg);
    assert_eq!(fetch(&app, &url).await.0, 404);

    // WebP is accepted too.
    let webp = picture(32, 32, ImageFormat::WebP);
    let set = set_logo(&mut admin, &webp).await;
    assert_ok(&set);
    let webp_url = set["data"]["setOrganizationLogo"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(fetch(&app, &webp_url).await.1, "image/webp");

    // Removal: no address, nothing served, the sign-in page shows the name alone.
    let removed = admin.gql(REMOVE, json!({})).await;
    assert_ok(&removed);
    assert!(removed["data"]["removeOrganizationLogo"]["logoUrl"].is_null());
    assert_eq!(fetch(&app, &webp_url).await.0, 404);
    let branding = anonymous
        .gql("{ branding(slug: \"logos\") { logoUrl } }", json!({}))
        .await;
    assert!(branding["data"]["branding"]["logoUrl"].is_null());

    // Each change is in the audit log, against the organization's logo.
    let log = admin
        .gql(
            "{ auditLog(first: 50, action: ORGANIZATION_UPDATED) { edges { node { targetType } } } }",
            json!({}),
        )
        .await;
    let logo_entries = log["data"]["auditLog"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["targetType"] == "organization_logo")
        .count();
    assert_eq!(logo_entries, 4, "{log}");
}

#[tokio::test]
async fn images_of_other_types_or_too_big_are_refused_and_nothing_changes() {
    let app = testkit::spawn().await;
    let (mut admin, _) = admin_of(&app, "strict-logos").await;
    let good = picture(50, 50, ImageFormat::Png);
    let set = set_logo(&mut admin, &good).await;
    assert_ok(&set);
    let url = set["data"]["setOrganizationLogo"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();

    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="9" height="9"/></svg>"#;
    // A PNG's signature in front of HTML: looks like a PNG, is not one.
    let mut disguised = good[..16].to_vec();
    disguised.extend_from_slice(b"<html><script>alert(1)</script></html>");
    let mut padded = good.clone();
    padded.resize(130 * 1024, 0);
    // A 1x1 GIF (a real image, but not a format accepted).
    let gif = STANDARD
        .decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")
        .unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("an SVG", svg.to_vec(), "type"),
        (
            "text named logo.png",
            b"just some text, named logo.png".to_vec(),
            "type",
        ),
        ("a GIF", gif, "type"),
        ("HTML behind a PNG signature", disguised, "corrupt"),
        (
            "a truncated PNG",
            good[..good.len() / 2].to_vec(),
            "corrupt",
        ),
        ("a PNG past 128 KiB", padded, "too_large"),
        (
            "a PNG wider than 1024 pixels",
            picture(1500, 8, ImageFormat::Png),
            "dimensions",
        ),
        ("nothing", Vec::new(), "empty"),
    ];
    for (what, bytes, expected) in cases {
        let refused = set_logo(&mut admin, &bytes).await;
        assert_eq!(
            reason(&refused),
            (
                "VALIDATION_FAILED".to_owned(),
                "image".to_owned(),
                expected.to_owned()
            ),
            "{what}: {refused}"
        );
    }
    let not_base64 = admin
        .gql(SET, json!({ "image": "<svg>not base64</svg>" }))
        .await;
    assert_eq!(reason(&not_base64).2, "encoding", "{not_base64}");
    // Past the request limit: refused before GraphQL runs, with a code.
    let huge = admin
        .gql(SET, json!({ "image": "A".repeat(300 * 1024) }))
        .await;
    assert_eq!(error_code(&huge), "PAYLOAD_TOO_LARGE", "{huge}");

    // The good logo is still the one served.
    let current = admin.gql(CURRENT, json!({})).await;
    assert_eq!(current["data"]["organization"]["logoUrl"], url.as_str());
    let (status, _, _, _, body) = fetch(&app, &url).await;
    assert_eq!((status, body), (200, good));
}

#[tokio::test]
async fn only_the_organizations_own_admins_change_its_logo() {
    let app = testkit::spawn().await;
    let (mut admin_a, emails_a) = admin_of(&app, "logo-a").await;
    let (mut admin_b, _) = admin_of(&app, "logo-b").await;
    let logo_a = picture(40, 40, ImageFormat::Png);
    let set = set_logo(&mut admin_a, &logo_a).await;
    assert_ok(&set);
    let url_a = set["data"]["setOrganizationLogo"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();

    // A case manager of the same organization, and nobody at all, may not.
    let mut manager = Client::new(&app);
    assert_ok(&manager.sign_in(&emails_a[1], PASSWORD).await);
    let other = picture(20, 20, ImageFormat::Png);
    assert_eq!(
        error_code(&set_logo(&mut manager, &other).await),
        "FORBIDDEN"
    );
    assert_eq!(
        error_code(&manager.gql(REMOVE, json!({})).await),
        "FORBIDDEN"
    );
    let mut anonymous = Client::new(&app);
    assert_eq!(
        error_code(&set_logo(&mut anonymous, &other).await),
        "UNAUTHENTICATED"
    );

    // Another organization's admin changes only their own organization's.
    let set_b = set_logo(&mut admin_b, &other).await;
    assert_ok(&set_b);
    assert_eq!(set_b["data"]["setOrganizationLogo"]["slug"], "logo-b");
    let url_b = set_b["data"]["setOrganizationLogo"]["logoUrl"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ok(&admin_b.gql(REMOVE, json!({})).await);
    let current = admin_a.gql(CURRENT, json!({})).await;
    assert_eq!(current["data"]["organization"]["logoUrl"], url_a.as_str());
    let (status, _, _, _, body) = fetch(&app, &url_a).await;
    assert_eq!((status, body), (200, logo_a.clone()));

    // B's image is not reachable under A's organization, nor by a made-up address.
    let b_hash = url_b.rsplit('/').next().unwrap();
    let org_a = url_a.split('/').nth(2).unwrap();
    assert_eq!(
        fetch(&app, &format!("/branding/{org_a}/logo/{b_hash}"))
            .await
            .0,
        404
    );
    assert_eq!(fetch(&app, "/branding/not-a-uuid/logo/zz").await.0, 404);

    // Beneath the API: under B's tenant, plain SQL neither sees nor changes A's logo.
    let org_b = url_b.split('/').nth(2).unwrap().to_owned();
    let api_role = Database::connect(app.db.app_url.clone()).await.unwrap();
    let tx = api_role.begin().await.unwrap();
    tx.execute(Statement::from_string(
        DbBackend::Postgres,
        format!("SELECT set_config('app.org_id', '{org_b}', true)"),
    ))
    .await
    .unwrap();
    let seen = tx
        .query_one(Statement::from_string(
            DbBackend::Postgres,
            format!("SELECT count(*) AS n FROM org_logos WHERE org_id = '{org_a}'"),
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(seen, 0);
    let changed = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!("UPDATE org_logos SET image = '\\x00' WHERE org_id = '{org_a}'"),
        ))
        .await
        .unwrap();
    assert_eq!(changed.rows_affected(), 0);
    let planted = tx
        .execute(Statement::from_string(
            DbBackend::Postgres,
            format!(
                "INSERT INTO org_logos (org_id, content_type, image, sha256, width, height)
                 VALUES ('{org_a}', 'image/png', '\\x00', sha256('\\x00'), 1, 1)"
            ),
        ))
        .await;
    assert!(planted.is_err(), "a row for another tenant was written");
    tx.rollback().await.unwrap();
    let (status, _, _, _, body) = fetch(&app, &url_a).await;
    assert_eq!((status, body), (200, logo_a));
}
