// caucus-lk-load: a small LiveKit load generator (one publisher, N subscribers)
// built on LiveKit's Go SDK, standing in for `lk load-test`, which the module
// proxy here does not serve.
//
// The publisher sends a synthetic VP8 track (valid VP8 frame headers, 1280x720,
// a keyframe every 2 s, 30 fps, padded to the target bitrate) and optionally an
// Opus track of silence frames. LiveKit forwards RTP without decoding, so the
// frames need only parse. Each subscriber subscribes to everything and counts
// the RTP packets and payload bytes it receives per track, and the packets lost
// (gaps in the sequence numbers the server sends it).
//
// "caucus-lk-load follow" is another mode: participants driven line by line
// from stdin with tokens the caller got from the API (follow.go).
//
// Phases: connect the publisher, connect the subscribers, wait until every
// subscriber has every track, print "lk-load: steady" on stderr, measure for
// -duration, print one JSON line on stdout. Exit 1 if a subscriber received
// nothing during the measurement, 2 on a setup failure.
package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/livekit/protocol/auth"
	"github.com/livekit/protocol/livekit"
	protoLogger "github.com/livekit/protocol/logger"
	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
	"github.com/pion/webrtc/v4/pkg/media"
)

const (
	fps           = 30
	keyframeEvery = 2 * fps // frames
	width, height = 1280, 720
)

var (
	url        = flag.String("url", "ws://127.0.0.1:7880", "LiveKit server URL (loopback only)")
	apiKey     = flag.String("api-key", "", "API key")
	apiSecret  = flag.String("api-secret", "", "API secret")
	roomName   = flag.String("room", "lk-load", "room name")
	nSubs      = flag.Int("subscribers", 1, "number of subscribers")
	duration   = flag.Duration("duration", 30*time.Second, "measurement duration (after all subscribers have their tracks)")
	videoKbps  = flag.Int("video-kbps", 1000, "published video bitrate, kbit/s")
	withAudio  = flag.Bool("audio", false, "also publish an Opus track (silence frames, 20 ms)")
	joinPar    = flag.Int("join-parallel", 4, "subscribers connecting at once")
	setupLimit = flag.Duration("setup-timeout", 40*time.Second, "time allowed for all subscribers to get their tracks")
	verbose    = flag.Bool("v", false, "SDK logs at info level (default: errors only)")
)

// ---- publisher ---------------------------------------------------------------

// vp8Provider produces VP8 frames of a fixed size: a real frame header
// (RFC 6386 9.1: 3-byte frame tag, and on keyframes the start code 9d 01 2a and
// the dimensions) followed by filler. Not decodable, but parseable, which is all
// an SFU needs.
type vp8Provider struct {
	lksdk.BaseSampleProvider
	frameBytes int
	n          int
	forceKey   atomic.Bool // set on a PLI/FIR from the server, as an encoder would
	bytes      atomic.Int64
	frames     atomic.Int64
}

func (p *vp8Provider) NextSample(ctx context.Context) (media.Sample, error) {
	if err := ctx.Err(); err != nil {
		return media.Sample{}, io.EOF
	}
	buf := make([]byte, p.frameBytes)
	key := p.n%keyframeEvery == 0
	if p.forceKey.Swap(false) {
		key, p.n = true, 0
	}
	p.n++
	hdr := 3
	if key {
		hdr = 10
	}
	first := p.frameBytes - hdr // first_part_size (19 bits)
	if first > (1<<19)-1 {
		first = (1 << 19) - 1
	}
	// frame tag: bit 0 P (0 = keyframe), bits 1-3 version 0, bit 4 show_frame, bits 5-23 first_part_size
	tag := uint32(first)<<5 | 1<<4
	if !key {
		tag |= 1
	}
	buf[0], buf[1], buf[2] = byte(tag), byte(tag>>8), byte(tag>>16)
	if key {
		buf[3], buf[4], buf[5] = 0x9d, 0x01, 0x2a
		binary.LittleEndian.PutUint16(buf[6:], width)  // 14 bits width, 2 bits scale 0
		binary.LittleEndian.PutUint16(buf[8:], height) // 14 bits height, 2 bits scale 0
	}
	for i := hdr; i < len(buf); i++ { // filler that is not all zeros
		buf[i] = byte(i * 7)
	}
	p.bytes.Add(int64(len(buf)))
	p.frames.Add(1)
	return media.Sample{Data: buf, Duration: time.Second / fps}, nil
}

// opusProvider produces 20 ms Opus frames: the 3-byte silence frame padded to
// about 24 kbit/s worth of bytes, so that the audio stream has a realistic rate.
type opusProvider struct {
	lksdk.BaseSampleProvider
	bytes atomic.Int64
}

func (p *opusProvider) NextSample(ctx context.Context) (media.Sample, error) {
	if err := ctx.Err(); err != nil {
		return media.Sample{}, io.EOF
	}
	// TOC 0xf8: config 31 (CELT FB 20 ms), mono, code 0 (one frame); the rest is the frame.
	buf := make([]byte, 60)
	buf[0], buf[1], buf[2] = 0xf8, 0xff, 0xfe
	p.bytes.Add(int64(len(buf)))
	return media.Sample{Data: buf, Duration: 20 * time.Millisecond}, nil
}

func (p *opusProvider) CurrentAudioLevel() uint8 { return 127 } // -127 dBov: silence

// ---- subscribers -------------------------------------------------------------

type trackStats struct {
	kind    string
	packets atomic.Int64
	bytes   atomic.Int64 // RTP payload bytes, padding excluded
	padding atomic.Int64 // padding-only packets (bandwidth probes)
	// sequence tracking (reader goroutine only, read after it is done or racy-but-monotonic)
	mu       sync.Mutex
	started  bool
	firstExt int64
	maxExt   int64
	lastSeq  uint16
	cycles   int64
}

func (t *trackStats) seq(s uint16) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		t.started, t.lastSeq = true, s
		t.firstExt, t.maxExt = int64(s), int64(s)
		return
	}
	if s < t.lastSeq && t.lastSeq-s > 1<<15 { // wrapped
		t.cycles++
	} else if s > t.lastSeq && s-t.lastSeq > 1<<15 { // late packet from before a wrap
		return
	}
	ext := t.cycles<<16 | int64(s)
	if ext > t.maxExt {
		t.maxExt = ext
	}
	t.lastSeq = s
}

func (t *trackStats) expected() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.started {
		return 0
	}
	return t.maxExt - t.firstExt + 1
}

type subscriber struct {
	id     int
	room   *lksdk.Room
	mu     sync.Mutex
	tracks []*trackStats
	got    chan struct{} // closed once all expected tracks arrived
	want   int
	once   sync.Once
}

func (s *subscriber) onTrack(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
	st := &trackStats{kind: track.Kind().String()}
	s.mu.Lock()
	s.tracks = append(s.tracks, st)
	if len(s.tracks) >= s.want {
		s.once.Do(func() { close(s.got) })
	}
	s.mu.Unlock()
	go readRTP(track, func(pkt *rtp.Packet) {
		st.seq(pkt.SequenceNumber)
		st.packets.Add(1)
		if len(pkt.Payload) == 0 {
			st.padding.Add(1)
			return
		}
		st.bytes.Add(int64(len(pkt.Payload)))
	})
}

// readRTP hands every RTP packet of a remote track to each, until the track
// ends; packets that do not parse are skipped.
func readRTP(track *webrtc.TrackRemote, each func(*rtp.Packet)) {
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for {
		n, _, err := track.Read(buf)
		if err != nil {
			return
		}
		if pkt.Unmarshal(buf[:n]) != nil {
			continue
		}
		each(&pkt)
	}
}

type snap struct {
	videoBytes, audioBytes, packets, expected int64
}

func (s *subscriber) snapshot() snap {
	s.mu.Lock()
	defer s.mu.Unlock()
	var r snap
	for _, t := range s.tracks {
		if t.kind == "video" {
			r.videoBytes += t.bytes.Load()
		} else {
			r.audioBytes += t.bytes.Load()
		}
		r.packets += t.packets.Load()
		r.expected += t.expected()
	}
	return r
}

// ---- main --------------------------------------------------------------------

func token(identity string, publish bool) (string, error) {
	g := &auth.VideoGrant{RoomJoin: true, Room: *roomName}
	g.SetCanPublish(publish)
	g.SetCanSubscribe(!publish)
	return auth.NewAccessToken(*apiKey, *apiSecret).
		SetIdentity(identity).
		SetValidFor(time.Hour).
		SetVideoGrant(g).
		ToJWT()
}

func fatal(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "lk-load: "+format+"\n", a...)
	os.Exit(2)
}

type result struct {
	Subscribers            int     `json:"subscribers"`
	Seconds                float64 `json:"seconds"`
	PublishedVideoKbps     float64 `json:"published_video_kbps"`
	PublishedAudioKbps     float64 `json:"published_audio_kbps,omitempty"`
	PublishedFPS           float64 `json:"published_fps"`
	RecvVideoKbpsMin       float64 `json:"recv_video_kbps_min"`
	RecvVideoKbpsMedian    float64 `json:"recv_video_kbps_median"`
	RecvAudioKbpsMedian    float64 `json:"recv_audio_kbps_median,omitempty"`
	ForwardedStreams       int     `json:"forwarded_streams"`
	PacketsReceived        int64   `json:"packets_received"`
	PacketsLost            int64   `json:"packets_lost"`
	SubscribersWithNothing int     `json:"subscribers_with_nothing"`
	SetupSeconds           float64 `json:"setup_seconds"`
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	sort.Float64s(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// quietSDK sets the SDK's logs to errors only, or info with -v.
func quietSDK() {
	level := "error"
	if *verbose {
		level = "info"
	}
	if l, err := protoLogger.NewZapLogger(&protoLogger.Config{Level: level}); err == nil {
		lksdk.SetLogger(l)
	}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "follow" {
		os.Args = append(os.Args[:1], os.Args[2:]...)
		flag.Parse()
		follow()
		return
	}
	flag.Parse()
	if *apiKey == "" || *apiSecret == "" {
		fatal("-api-key and -api-secret are required")
	}
	quietSDK()
	setupStart := time.Now()

	// Publisher.
	pubTok, err := token("publisher", true)
	if err != nil {
		fatal("token: %v", err)
	}
	pubRoom, err := lksdk.ConnectToRoomWithToken(*url, pubTok, lksdk.NewRoomCallback(), lksdk.WithAutoSubscribe(false))
	if err != nil {
		fatal("publisher connect: %v", err)
	}
	defer pubRoom.Disconnect()

	frameBytes := *videoKbps * 1000 / 8 / fps
	if frameBytes < 16 {
		frameBytes = 16
	}
	vp := &vp8Provider{frameBytes: frameBytes}
	vtrack, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8, ClockRate: 90000},
		lksdk.WithRTCPHandler(func(pkt rtcp.Packet) {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				vp.forceKey.Store(true)
			}
		}))
	if err != nil {
		fatal("video track: %v", err)
	}
	vtrack.OnBind(func() {
		if err := vtrack.StartWrite(vp, nil); err != nil {
			fmt.Fprintf(os.Stderr, "lk-load: video write: %v\n", err)
		}
	})
	if _, err := pubRoom.LocalParticipant.PublishTrack(vtrack, &lksdk.TrackPublicationOptions{
		Name: "synthetic-vp8", Source: livekit.TrackSource_CAMERA, VideoWidth: width, VideoHeight: height,
	}); err != nil {
		fatal("publish video: %v", err)
	}
	tracks := 1
	var ap *opusProvider
	if *withAudio {
		ap = &opusProvider{}
		atrack, err := lksdk.NewLocalSampleTrack(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2})
		if err != nil {
			fatal("audio track: %v", err)
		}
		atrack.OnBind(func() {
			if err := atrack.StartWrite(ap, nil); err != nil {
				fmt.Fprintf(os.Stderr, "lk-load: audio write: %v\n", err)
			}
		})
		if _, err := pubRoom.LocalParticipant.PublishTrack(atrack, &lksdk.TrackPublicationOptions{
			Name: "silence-opus", Source: livekit.TrackSource_MICROPHONE,
		}); err != nil {
			fatal("publish audio: %v", err)
		}
		tracks++
	}

	// Subscribers.
	subs := make([]*subscriber, *nSubs)
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(1, *joinPar))
	var connErr atomic.Value
	for i := range subs {
		s := &subscriber{id: i, got: make(chan struct{}), want: tracks}
		subs[i] = s
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			tok, err := token(fmt.Sprintf("subscriber-%03d", s.id), false)
			if err != nil {
				connErr.Store(err)
				return
			}
			cb := lksdk.NewRoomCallback()
			cb.OnTrackSubscribed = s.onTrack
			r, err := lksdk.ConnectToRoomWithToken(*url, tok, cb)
			if err != nil {
				connErr.Store(fmt.Errorf("subscriber %d: %w", s.id, err))
				return
			}
			s.mu.Lock()
			s.room = r
			s.mu.Unlock()
		}()
	}
	wg.Wait()
	defer func() {
		for _, s := range subs {
			if s.room != nil {
				s.room.Disconnect()
			}
		}
	}()
	if err, ok := connErr.Load().(error); ok {
		fatal("%v", err)
	}
	deadline := time.After(*setupLimit)
	for _, s := range subs {
		select {
		case <-s.got:
		case <-deadline:
			fatal("subscriber %d did not get its %d track(s) within %s", s.id, tracks, *setupLimit)
		}
	}
	// Measure only once video flows to every subscriber (after its first keyframe).
	for _, s := range subs {
		for s.snapshot().videoBytes == 0 {
			select {
			case <-deadline:
				fatal("subscriber %d received no video within %s", s.id, *setupLimit)
			case <-time.After(20 * time.Millisecond):
			}
		}
	}
	time.Sleep(300 * time.Millisecond)
	setup := time.Since(setupStart)
	fmt.Fprintln(os.Stderr, "lk-load: steady")

	// Measurement window.
	before := make([]snap, len(subs))
	for i, s := range subs {
		before[i] = s.snapshot()
	}
	vb0, f0 := vp.bytes.Load(), vp.frames.Load()
	var ab0 int64
	if ap != nil {
		ab0 = ap.bytes.Load()
	}
	t0 := time.Now()
	time.Sleep(*duration)
	secs := time.Since(t0).Seconds()
	res := result{
		Subscribers:        len(subs),
		Seconds:            round1(secs),
		PublishedVideoKbps: round1(float64(vp.bytes.Load()-vb0) * 8 / 1000 / secs),
		PublishedFPS:       round1(float64(vp.frames.Load()-f0) / secs),
		ForwardedStreams:   len(subs) * tracks,
		SetupSeconds:       round1(setup.Seconds()),
	}
	if ap != nil {
		res.PublishedAudioKbps = round1(float64(ap.bytes.Load()-ab0) * 8 / 1000 / secs)
	}
	var vk, ak []float64
	for i, s := range subs {
		a := s.snapshot()
		d := snap{a.videoBytes - before[i].videoBytes, a.audioBytes - before[i].audioBytes,
			a.packets - before[i].packets, a.expected - before[i].expected}
		vk = append(vk, float64(d.videoBytes)*8/1000/secs)
		ak = append(ak, float64(d.audioBytes)*8/1000/secs)
		res.PacketsReceived += d.packets
		if lost := d.expected - d.packets; lost > 0 {
			res.PacketsLost += lost
		}
		if d.packets == 0 || d.videoBytes == 0 {
			res.SubscribersWithNothing++
		}
	}
	if len(vk) > 0 {
		res.RecvVideoKbpsMedian = round1(median(append([]float64(nil), vk...)))
		sort.Float64s(vk)
		res.RecvVideoKbpsMin = round1(vk[0])
		if ap != nil {
			res.RecvAudioKbpsMedian = round1(median(ak))
		}
	}
	for _, s := range subs {
		s.room.Disconnect()
		s.room = nil
	}
	pubRoom.Disconnect()
	out, _ := json.Marshal(res)
	fmt.Println(string(out))
	if res.SubscribersWithNothing > 0 {
		fmt.Fprintf(os.Stderr, "lk-load: %d subscriber(s) received no video\n", res.SubscribersWithNothing)
		os.Exit(1)
	}
}
