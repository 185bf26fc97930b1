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
error-mfa-required = Enter the 6-digit code from your authenticator app, or one of your recovery codes.
error-mfa-enrollment-required = Your organization asks everyone in your role to use two-step sign-in. Set it up now to continue.
error-passkey-required = Your organization asks for two-step sign-in, and your account uses a passkey for it. Sign in with your passkey instead.
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

## Invitations (accepting)
invitation-title = Join { $organization }
invitation-intro = { $organization } invites you to Caucus, its secure platform for mediation, as { $role }.
invitation-email = Invited email address
invitation-email-note = The invitation works only for this email address.
invitation-role = Role
invitation-expires = Link valid until
invitation-create-heading = Create your account
invitation-name = Full name
invitation-password = Choose a password
invitation-password-rules-intro = Your password must:
invitation-password-rule-length = be at least 12 characters long
invitation-password-rule-common = not be a common or easily guessed password
invitation-password-rule-email = not contain the part of your email address before the @
invitation-password-hint-start = Type at least 12 characters.
invitation-password-hint-short = { $count ->
    [one] 1 more character needed.
   *[other] { $count } more characters needed.
}
invitation-password-hint-ok = Long enough. We check the other rules when you continue.
invitation-language = Language for Caucus and its emails
invitation-timezone = Your time zone
invitation-timezone-hint = We show dates and times in this time zone.
invitation-timezone-unknown = Choose a time zone from the list.
invitation-submit = Create account and join
invitation-working = Creating your account…
invitation-name-required = Enter your full name.
invitation-name-invalid = Enter your full name, up to 200 characters.
invitation-password-required = Choose a password.
password-too-short = This password is too short: use at least 12 characters.
password-too-long = This password is too long: use at most 256 characters.
password-common = This password is too common and easy to guess. Choose another one.
password-repetitive = This password repeats the same few characters. Choose a less predictable one.
password-contains-email = This password contains the name part of your email address. Choose another one.
invitation-existing-heading = You already have an account
invitation-existing-body = There is already a Caucus account for { $email }. Sign in with it, then accept the invitation.
invitation-sign-in-heading = Sign in to accept
invitation-signed-in-as = You are signed in as { $email }.
invitation-accept = Accept invitation
invitation-accepting = Accepting…
invitation-wrong-account = This invitation is for { $email }. Sign out, then sign in with that address.
invitation-problem-title-used = This invitation was already used
invitation-problem-title-expired = This invitation has expired
invitation-problem-title-invalid = This invitation link does not work
invitation-problem-invalid = The link may be incomplete or mistyped. Open it again from the email, or ask the person who invited you for a new one.
invitation-problem-sign-in = Go to sign in
invitation-load-failed-title = The invitation could not be loaded

## Your sessions
sessions-link = Your sessions
sessions-title = Your sessions
sessions-intro = These browsers and devices are signed in to your account. If you do not recognize one, sign it out and change your password.
sessions-caption = Browsers signed in to your account
column-browser = Browser
column-ip = IP address
column-signed-in = Signed in
column-actions = Actions
sessions-this-browser = This browser
sessions-browser-on = { $browser } on { $system }
sessions-unknown-browser = Unknown browser
sessions-unknown = Unknown
sessions-sign-out-one = Sign out
sessions-signed-out-one = That session was signed out.
sessions-everywhere-heading = Sign out everywhere
sessions-everywhere-body = This signs out every browser and device on your account, this one included. You will need to sign in again.
sessions-everywhere = Sign out everywhere
sessions-everywhere-confirm-text = Are you sure? Every session will end, including this one.
sessions-everywhere-confirm = Yes, sign out everywhere
sessions-cancel = Cancel

## Admin: invitations
admin-members-title = Members
admin-invite-title = Invite someone
admin-invite-intro = We email them a link that works once, for 7 days, and only for that email address.
admin-invite-email = Email address
admin-invite-role = Role
admin-invite-language = Language of the email
admin-invite-submit = Send invitation
admin-invite-sending = Sending…
admin-invite-email-required = Enter an email address.
admin-invite-email-invalid = Enter a valid email address, like name@example.org.
admin-invite-sent = Invitation sent to { $email }.
admin-invitations-title = Invitations
admin-invitations-caption = Invitations sent by your organization
admin-invitations-empty = No invitations yet.
admin-invitation-withdraw = Withdraw
admin-invitation-withdrawn = The invitation to { $email } was withdrawn. Its link no longer works.
column-role = Role
column-status = Status
column-expires = Expires
status-pending = Pending
status-accepted = Accepted
status-revoked = Withdrawn
status-expired = Expired
status-other = Unknown

## Admin: audit log
admin-nav-audit = Audit log
audit-title = Audit log
audit-intro = Sign-ins, sign-outs and changes in your organization, newest first. Entries hold identifiers only, never names or content.
audit-caption = Audit log entries
audit-filter = Show
audit-filter-all = All actions
audit-empty = No entries match.
audit-more = Load more
audit-system = System
column-time = Time
column-action = Action
column-actor = By
column-target = Target
audit-action-sign-in = Signed in
audit-action-sign-in-failed = Failed sign-in
audit-action-sign-out = Signed out
audit-action-session-revoked = Session signed out
audit-action-signed-out-everywhere = Signed out everywhere
audit-action-org-updated = Organization settings changed
audit-action-invitation-created = Invitation sent
audit-action-invitation-revoked = Invitation withdrawn
audit-action-invitation-accepted = Invitation accepted
audit-action-password-reset = Password reset
audit-action-member-suspended = Member suspended
audit-action-member-reactivated = Member reactivated
audit-action-member-deleted = Member account deleted
audit-action-member-removed = Member removed from the organization
audit-action-org-created = Organization created

## Two-step sign-in: the code step of sign-in
mfa-title = Enter your code
mfa-intro = Your account uses two-step sign-in. Open your authenticator app and enter the code it shows for Caucus.
mfa-code-label = Code from your authenticator app
mfa-code-hint = No phone at hand? A recovery code, like abcde-fghjk, also works. Each one works only once.
mfa-code-required = Enter the code from your authenticator app, or a recovery code.
mfa-code-wrong = That code is not right. Check your app and enter the code it shows now, or use a recovery code.
mfa-verify-submit = Continue
mfa-verify-working = Checking…
mfa-back = Use a different account
mfa-expired = Your sign-in took too long or had too many wrong codes. Enter your password again to get a new chance.

## Two-step sign-in: set-up
security-link = Two-step sign-in
security-title = Two-step sign-in
security-intro = With two-step sign-in, signing in needs your password and a code from an authenticator app on your phone, so a stolen password alone is not enough.
security-on = Two-step sign-in is on. When you sign in, you will be asked for a code from your authenticator app.
security-off = Two-step sign-in is off. Your account is protected by your password alone.
security-start = Turn on two-step sign-in
security-start-working = Starting…
security-scan-heading = Set up your authenticator app
security-scan-intro = Scan this QR code with an authenticator app, such as Google Authenticator, Microsoft Authenticator or 1Password. Then enter the 6-digit code the app shows.
security-qr-alt = QR code for adding your Caucus account to an authenticator app
security-secret-label = Cannot scan? Type this key into the app instead:
security-code-label = 6-digit code from the app
security-code-required = Enter the 6-digit code your app shows.
security-code-wrong = That code is not right. Enter the code your app shows now; it changes every 30 seconds.
security-confirm = Confirm and turn on
security-confirm-working = Confirming…
security-turned-on = Two-step sign-in is now on.
security-recovery-heading = Your recovery codes
security-recovery-advice = If you lose your phone, each of these codes lets you sign in once instead of a code from the app. Store them somewhere safe, such as a password manager or a printed copy. They are shown only now.
security-done = Done
admin-nav-settings = Settings
settings-title = Sign-in security
settings-security-intro = Decide how people in your organization sign in. Changes apply to sessions that start after you save.
settings-mfa-roles = Roles that must use two-step sign-in
settings-mfa-roles-hint = People in these roles set up an authenticator app or a passkey the next time they sign in, before they can do anything else.
settings-idle = Sign out after this many minutes without activity
settings-idle-hint = From 5 to 1440 minutes (24 hours). Leave empty to use the longest time this installation allows.
settings-idle-invalid = Enter a whole number of minutes from 5 to 1440.
settings-absolute = Sign out after this many hours, however active
settings-absolute-hint = From 1 to 720 hours (30 days). Leave empty to use the longest time this installation allows.
settings-absolute-invalid = Enter a whole number of hours from 1 to 720.
settings-staff-links = Staff may sign in with a link sent by email
settings-staff-links-hint = Parties can always use emailed sign-in links. Two-step sign-in still applies to the roles above.
settings-save = Save settings
settings-saving = Saving…
settings-saved = Settings saved. They apply to sessions that start from now on.
admin-roles-title = Change someone's roles
admin-roles-intro = Choose a person, then tick the roles they should hold. They will be signed out here and sign in again with the new roles.
admin-roles-person = Person
admin-roles-choose = Choose a person
admin-roles-held = Roles
admin-roles-none = Tick at least one role. To take someone out of the organization, remove them instead.
admin-roles-save = Save roles
admin-roles-saving = Saving…
admin-roles-saved = Roles saved. The person has been signed out here and will see the change when they sign in again.
audit-action-role-changed = Role changed
audit-action-org-switched = Switched organization
audit-action-mfa-enabled = Two-step sign-in turned on
sign-in-passkey-hint = Set up a passkey on this device? Then you can sign in with it instead of a password: enter your email address above and choose the button below.
sign-in-passkey = Sign in with a passkey
sign-in-passkey-working = Waiting for your passkey…
passkey-title = Passkeys
passkey-intro = A passkey lets you sign in with your fingerprint, face or device PIN instead of a password. It stays on your device and cannot be phished. It also counts as two-step sign-in.
passkey-none = You have no passkeys yet.
passkey-added-on = added { $date }
passkey-remove = Remove
passkey-name = Name for this passkey
passkey-name-hint = So you can tell your passkeys apart, for example "Work laptop" or "My phone".
passkey-name-required = Give the passkey a name.
passkey-add = Add a passkey on this device
passkey-add-working = Waiting for your device…
passkey-added = Passkey added. Next time, you can sign in with it.
passkey-unsupported = This browser cannot use passkeys. Try an up-to-date browser, or sign in with your password.
passkey-cancelled = No passkey was used. If you cancelled, try again when you are ready; if this device has no passkey for your account, sign in with your password.
passkey-failed = The passkey could not be used. Please try again.
security-app-title = Authenticator app
