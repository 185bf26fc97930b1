// The "follow" mode: participants driven by another program, one line at a
// time, for benchmarks that need more people in a session than browsers fit
// on the machine (bench/video.md, the recall of ten).
//
// The driving program asks the API for each participant's tokens, as a page
// would, and hands them over on stdin:
//
//	join <name> <seq> <url> <token>   connect <name> with this token; once
//	                                  connected, its earlier connection (if
//	                                  any) is left (make before break, as the
//	                                  portal's move does)
//	leave <name>                      disconnect <name>
//
// and reads on stdout, one line each:
//
//	frame <name> <seq> <unix-ms>      the first complete remote video frame
//	                                  (the RTP packet carrying a frame's
//	                                  marker bit) that connection received
//	error <name> <seq> <message>      the connection failed
//	gone <name> <seq> <reason>        the server ended the connection
//
// Followers subscribe to everything and publish nothing: their frames would
// be the synthetic VP8 of the load mode, which the browsers in the same room
// could not decode. End of input disconnects everyone and exits.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	lksdk "github.com/livekit/server-sdk-go/v2"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v4"
)

type follower struct {
	mu   sync.Mutex
	out  *bufio.Writer
	seq  map[string]int         // the newest join asked for, per name
	live map[string]*connection // the connection in use, per name
}

type connection struct {
	name  string
	seq   int
	room  *lksdk.Room
	once  sync.Once
	ended bool // left by us: a later disconnect is not news
}

func (f *follower) say(format string, a ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fmt.Fprintf(f.out, format+"\n", a...)
	f.out.Flush()
}

// firstFrame watches one remote video track and reports the first packet
// that ends a frame.
func (f *follower) firstFrame(c *connection, track *webrtc.TrackRemote) {
	if track.Kind() != webrtc.RTPCodecTypeVideo {
		return
	}
	// Reading goes on after the first frame, so the track's buffer drains.
	go readRTP(track, func(pkt *rtp.Packet) {
		if len(pkt.Payload) > 0 && pkt.Marker {
			c.once.Do(func() { f.say("frame %s %d %d", c.name, c.seq, time.Now().UnixMilli()) })
		}
	})
}

func (f *follower) join(name string, seq int, url, token string) {
	c := &connection{name: name, seq: seq}
	cb := lksdk.NewRoomCallback()
	cb.OnTrackSubscribed = func(track *webrtc.TrackRemote, _ *lksdk.RemoteTrackPublication, _ *lksdk.RemoteParticipant) {
		f.firstFrame(c, track)
	}
	cb.OnDisconnectedWithReason = func(reason lksdk.DisconnectionReason) {
		f.mu.Lock()
		ended := c.ended
		f.mu.Unlock()
		if !ended {
			f.say("gone %s %d %s", name, seq, strings.ReplaceAll(string(reason), " ", "_"))
		}
	}
	room, err := lksdk.ConnectToRoomWithToken(url, token, cb)
	if err != nil {
		f.say("error %s %d %s", name, seq, strings.ReplaceAll(err.Error(), "\n", " "))
		return
	}
	c.room = room
	f.mu.Lock()
	var old *connection
	if seq >= f.seq[name] {
		old, f.live[name] = f.live[name], c
	} else {
		old = c // a newer join won meanwhile: this one is not wanted
	}
	if old != nil {
		old.ended = true
	}
	f.mu.Unlock()
	if old != nil && old.room != nil {
		old.room.Disconnect()
	}
}

func (f *follower) leave(name string) {
	f.mu.Lock()
	c := f.live[name]
	delete(f.live, name)
	if c != nil {
		c.ended = true
	}
	f.mu.Unlock()
	if c != nil && c.room != nil {
		c.room.Disconnect()
	}
}

func follow() {
	quietSDK()
	f := &follower{
		out:  bufio.NewWriter(os.Stdout),
		seq:  map[string]int{},
		live: map[string]*connection{},
	}
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64*1024), 64*1024)
	var wg sync.WaitGroup
	for in.Scan() {
		fields := strings.Fields(in.Text())
		switch {
		case len(fields) == 5 && fields[0] == "join":
			seq, err := strconv.Atoi(fields[2])
			if err != nil {
				f.say("error %s - bad sequence number %q", fields[1], fields[2])
				continue
			}
			f.mu.Lock()
			if seq > f.seq[fields[1]] {
				f.seq[fields[1]] = seq
			}
			f.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				f.join(fields[1], seq, fields[3], fields[4])
			}()
		case len(fields) == 2 && fields[0] == "leave":
			f.leave(fields[1])
		case len(fields) == 0:
		default:
			f.say("error - - unknown command %q", fields[0])
		}
	}
	wg.Wait()
	f.mu.Lock()
	names := make([]string, 0, len(f.live))
	for name := range f.live {
		names = append(names, name)
	}
	f.mu.Unlock()
	for _, name := range names {
		f.leave(name)
	}
}
