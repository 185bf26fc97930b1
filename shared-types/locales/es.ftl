# Caucus — español. Cada clave debe existir también en en.ftl (lo comprueba una prueba).

## Shell
app-name = Caucus
admin-portal-name = Portal de administración
client-portal-name = Portal de clientes
skip-to-content = Saltar al contenido principal
language-label = Idioma
main-navigation = Navegación principal
portal-signed-in-as = Sesión iniciada como { $name }
sign-out = Cerrar sesión
loading = Cargando…
retry = Reintentar
session-failed-title = Caucus no está disponible en este momento
confidential-footer = Todo en Caucus es confidencial. Solo las personas de su caso pueden ver lo que comparte.

## Sign-in
sign-in-title = Iniciar sesión
sign-in-intro = Inicie sesión en { $organization }.
sign-in-intro-generic = Inicie sesión para continuar.
sign-in-email = Correo electrónico
sign-in-password = Contraseña
sign-in-submit = Iniciar sesión
sign-in-working = Iniciando sesión…
sign-in-email-required = Introduzca su correo electrónico.
sign-in-password-required = Introduzca su contraseña.

## Not found
not-found-title = Página no encontrada
not-found-body = No encontramos esa página. Puede que la dirección esté mal escrita o que la página se haya movido.
not-found-home = Ir a la página de inicio

## Admin portal
admin-nav-overview = Resumen
admin-nav-people = Personas
admin-overview-title = Resumen de la organización
admin-org-name = Nombre
admin-org-slug = Dirección de acceso
admin-org-tier = Plan
admin-org-created = Miembro desde
admin-org-brand = Color de marca
admin-org-people = Personas
admin-overview-details = Datos de la organización
admin-people-count = { $count ->
    [one] { $count } persona
   *[other] { $count } personas
}
admin-people-title = Personas
admin-people-caption = Personas con un rol en su organización
admin-people-empty = Nadie tiene un rol todavía.
admin-people-more = Mostrar más personas
column-name = Nombre
column-email = Correo electrónico
column-roles = Roles
column-timezone = Zona horaria
admin-staff-only = El portal de administración es para el personal. Las partes usan el portal de clientes.

## Roles
role-platform-operator = Operador de la plataforma
role-org-admin = Administrador de la organización
role-case-manager = Gestor de casos
role-mediator = Mediador
role-party = Parte
role-party-representative = Representante de parte
role-observer = Observador
role-billing-admin = Administrador de facturación
role-compliance-officer = Responsable de cumplimiento
role-other = Otro rol

## Client portal
client-nav-home = Inicio
client-home-title = Bienvenido/a, { $name }
client-home-intro = Este es su espacio privado para su mediación con { $organization }. Aquí aparecerán sus casos, sesiones y documentos.
client-details-title = Sus datos
client-detail-email = Correo electrónico
client-detail-timezone = Zona horaria
client-detail-local-time = Su hora local
client-detail-language = Idioma

## Errors (by extensions.code)
error-bad-request = No pudimos entender la solicitud. Inténtelo de nuevo.
error-malformed-json = No pudimos leer la solicitud. Recargue la página e inténtelo de nuevo.
error-invalid-utf8 = La solicitud contenía caracteres que no se pueden leer.
error-payload-too-large = Es más de lo que podemos aceptar de una vez.
error-unsupported-media-type = La solicitud se envió en un formato que no aceptamos.
error-missing-client-header = La solicitud se bloqueó por su seguridad. Recargue la página.
error-graphql-parse-failed = No pudimos entender la solicitud.
error-graphql-validation-failed = La solicitud pidió algo que no existe.
error-unknown-operation = La solicitud nombró una operación desconocida.
error-query-too-deep = La solicitud estaba demasiado anidada.
error-query-too-complex = La solicitud pidió demasiado de una vez.
error-unauthenticated = Inicie sesión para continuar.
error-invalid-credentials = El correo electrónico o la contraseña no son correctos.
error-forbidden = No tiene acceso a esto.
error-not-found = No encontramos eso.
error-validation-failed = Revise la información señalada.
error-conflict = Otra persona cambió esto al mismo tiempo. Recargue e inténtelo de nuevo.
error-rate-limited = Demasiados intentos. Espere unos minutos e inténtelo de nuevo.
error-link-expired = Este enlace caducó o fue retirado. Pida uno nuevo a quien se lo envió.
error-link-used = Este enlace ya se usó. Inicie sesión o pida un enlace nuevo.
error-internal = Algo salió mal por nuestra parte. Inténtelo de nuevo en un momento.
error-network = No pudimos conectar con Caucus. Compruebe su conexión e inténtelo de nuevo.

## Emails
email-footer = Este mensaje lo envió Caucus. Nunca contiene detalles de su caso: inicie sesión para verlos.
email-sign-in-notice-subject = Nuevo inicio de sesión en su cuenta de Caucus
email-sign-in-notice-heading = Un nuevo inicio de sesión en su cuenta
email-sign-in-notice-body = Alguien acaba de iniciar sesión en su cuenta de { $organization } desde un navegador que no habíamos visto antes.
email-sign-in-notice-advice = Si fue usted, no tiene que hacer nada. Si no fue usted, cambie su contraseña y use «Cerrar sesión en todas partes» en su cuenta.
email-invitation-subject = Tiene una invitación de { $organization } en Caucus
email-invitation-heading = Únase a { $organization } en Caucus
email-invitation-body = { $organization } le invita a usar Caucus, su plataforma segura de mediación, como { $role }.
email-invitation-expiry = El enlace funciona una sola vez y hasta el { $date }. Si no esperaba este mensaje, puede ignorarlo.
email-invitation-button = Aceptar la invitación
email-reset-subject = Restablezca su contraseña de Caucus
email-reset-heading = Elija una contraseña nueva
email-reset-body = Alguien pidió restablecer la contraseña de su cuenta en { $organization }. Si fue usted, elija una contraseña nueva con el botón de abajo. Se cerrará la sesión en todos los dispositivos conectados a su cuenta.
email-reset-button = Elegir una contraseña nueva
email-sign-in-link-subject = Su enlace para iniciar sesión en Caucus
email-sign-in-link-heading = Inicie sesión en Caucus
email-sign-in-link-body = Use el botón de abajo para iniciar sesión en { $organization } sin contraseña.
email-sign-in-link-button = Iniciar sesión
email-link-expiry = El enlace funciona una sola vez, durante { $minutes } minutos. Si no lo pidió, puede ignorar este mensaje: no cambia nada.
