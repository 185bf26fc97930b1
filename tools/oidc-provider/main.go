// Command caucus-oidc-provider runs zitadel/oidc's example OpenID Provider
// (an OpenID-certified library with an in-memory store and a login form) on
// loopback only, for Caucus's tests and local development. Dex, which the
// identity issue names, cannot be installed with `go install` from the
// module proxy (see docs/adr/0004-sso-openidconnect-and-test-provider.md).
//
// Environment:
//
//	PORT          the port on 127.0.0.1 to listen on (required)
//	USERS_FILE    JSON map of users (zitadel's storage.User), required
//	REDIRECT_URI  comma-separated redirect URIs registered for the clients
//	CLIENT_SECRET the secret of the confidential client "caucus" (required)
//
// Clients: "caucus" (confidential, client_secret_basic, exact redirect URIs)
// and "caucus-native" (public, PKCE, any port on a loopback redirect URI:
// RFC 8252 §7.3, which lets tests whose API listens on a free port use it).
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
)

func required(name string) string {
	value := os.Getenv(name)
	if value == "" {
		fmt.Fprintf(os.Stderr, "caucus-oidc-provider: %s must be set\n", name)
		os.Exit(2)
	}
	return value
}

func main() {
	port := required("PORT")
	usersFile := required("USERS_FILE")
	secret := required("CLIENT_SECRET")
	redirects := strings.Split(required("REDIRECT_URI"), ",")
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	issuer := fmt.Sprintf("http://127.0.0.1:%s/", port)
	storage.RegisterClients(
		storage.WebClient("caucus", secret, redirects...),
		storage.NativeClient("caucus-native", redirects...),
	)
	users, err := storage.StoreFromFile(usersFile)
	if err != nil {
		logger.Error("cannot read the users file", "error", err)
		os.Exit(1)
	}
	router := exampleop.SetupServer(issuer, storage.NewStorage(users), logger, false)
	server := &http.Server{Addr: "127.0.0.1:" + port, Handler: router}
	logger.Warn("listening", "issuer", issuer)
	if err := server.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		logger.Error("server stopped", "error", err)
		os.Exit(1)
	}
}
