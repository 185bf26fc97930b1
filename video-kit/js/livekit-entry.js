// The whole of livekit-client, bundled by build.sh into dist/livekit-client.js.
// facade.js loads that bundle lazily, from the site root, on video pages only.
export * from 'livekit-client';
