# Caucus — English. Every key here must also exist in es.ftl (a test checks).

## Shell
app-name = Caucus
admin-portal-name = Admin portal
client-portal-name = Client portal
skip-to-content = Skip to main content
language-label = Language
main-navigation = Main navigation
portal-signed-in-as = Signed in as { $name }
sign-out = Sign out
loading = Loading…
retry = Try again
session-failed-title = Caucus is not available right now
confidential-footer = Everything in Caucus is confidential. Only the people on your case can see what you share.

## Sign-in
sign-in-title = Sign in
sign-in-intro = Sign in to { $organization }.
sign-in-intro-generic = Sign in to continue.
sign-in-email = Email address
sign-in-password = Password
sign-in-submit = Sign in
sign-in-working = Signing in…
sign-in-email-required = Enter your email address.
sign-in-password-required = Enter your password.

## Not found
not-found-title = Page not found
not-found-body = We could not find that page. The address may be mistyped, or the page may have moved.
not-found-home = Go to the start page

## Admin portal
admin-nav-overview = Overview
admin-nav-people = People
admin-overview-title = Organization overview
admin-org-name = Name
admin-org-slug = Sign-in address
admin-org-tier = Plan
admin-org-created = Member since
admin-org-brand = Brand colour
admin-org-people = People
admin-overview-details = Organization details
admin-people-count = { $count ->
    [one] { $count } person
   *[other] { $count } people
}
admin-people-title = People
admin-people-caption = People who hold a role in your organization
admin-people-empty = Nobody holds a role yet.
admin-people-more = Show more people
column-name = Name
column-email = Email
column-roles = Roles
column-timezone = Time zone
admin-staff-only = The admin portal is for staff. Parties use the client portal.

## Roles
role-platform-operator = Platform operator
role-org-admin = Organization admin
role-case-manager = Case manager
role-mediator = Mediator
role-party = Party
role-party-representative = Party representative
role-observer = Observer
role-billing-admin = Billing admin
role-compliance-officer = Compliance officer
role-other = Other role

## Client portal
client-nav-home = Home
client-home-title = Welcome, { $name }
client-home-intro = This is your private space for your mediation with { $organization }. Your cases, sessions and documents will appear here.
client-details-title = Your details
client-detail-email = Email
client-detail-timezone = Time zone
client-detail-local-time = Your local time
client-detail-language = Language

## Errors (by extensions.code)
error-bad-request = The request could not be understood. Please try again.
error-malformed-json = The request could not be read. Please reload the page and try again.
error-invalid-utf8 = The request contained characters that could not be read.
error-payload-too-large = That is more than we can accept at once.
error-unsupported-media-type = The request was sent in a format we do not accept.
error-missing-client-header = The request was blocked for your safety. Please reload the page.
error-graphql-parse-failed = The request could not be understood.
error-graphql-validation-failed = The request asked for something that does not exist.
error-unknown-operation = The request named an unknown operation.
error-query-too-deep = The request was too deeply nested.
error-query-too-complex = The request asked for too much at once.
error-unauthenticated = Please sign in to continue.
error-invalid-credentials = The email address or password is not right.
error-forbidden = You do not have access to this.
error-not-found = We could not find that.
error-validation-failed = Please check the highlighted information.
error-conflict = Someone else changed this at the same time. Please reload and try again.
error-rate-limited = Too many attempts. Please wait a few minutes and try again.
error-link-expired = This link has expired or was withdrawn. Ask the person who sent it for a new one.
error-link-used = This link has already been used. Sign in instead, or ask for a new link.
error-internal = Something went wrong on our side. Please try again in a moment.
error-network = We could not reach Caucus. Check your connection and try again.

## Emails
email-footer = This message was sent by Caucus. It never contains details of your case: sign in to see them.
email-sign-in-notice-subject = New sign-in to your Caucus account
email-sign-in-notice-heading = A new sign-in to your account
email-sign-in-notice-body = Your account at { $organization } was just signed in to from a browser we had not seen before.
email-sign-in-notice-advice = If this was you, there is nothing to do. If it was not, change your password and use "Sign out everywhere" in your account.
email-invitation-subject = You are invited to { $organization } on Caucus
email-invitation-heading = Join { $organization } on Caucus
email-invitation-body = { $organization } invites you to use Caucus, its secure platform for mediation, as { $role }.
email-invitation-expiry = The link works once and until { $date }. If you were not expecting this, you can ignore this email.
email-invitation-button = Accept the invitation
email-reset-subject = Reset your Caucus password
email-reset-heading = Choose a new password
email-reset-body = Someone asked to reset the password of your account at { $organization }. If it was you, choose a new password with the button below. Every device signed in to your account will be signed out.
email-reset-button = Choose a new password
email-sign-in-link-subject = Your Caucus sign-in link
email-sign-in-link-heading = Sign in to Caucus
email-sign-in-link-body = Use the button below to sign in to { $organization } without a password.
email-sign-in-link-button = Sign in
email-link-expiry = The link works once, for { $minutes } minutes. If you did not ask for it, you can ignore this email: nothing changes.
