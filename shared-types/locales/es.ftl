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
error-mfa-required = Introduzca el código de 6 cifras de su aplicación de autenticación, o uno de sus códigos de recuperación.
error-mfa-enrollment-required = Su organización pide a todas las personas con su función que usen el inicio de sesión en dos pasos. Configúrelo ahora para continuar.
error-passkey-required = Su organización pide el inicio de sesión en dos pasos y su cuenta usa una llave de acceso para ello. Inicie sesión con su llave de acceso.
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

## Invitations (accepting)
invitation-title = Únase a { $organization }
invitation-intro = { $organization } le invita a Caucus, su plataforma segura de mediación, como { $role }.
invitation-email = Correo electrónico invitado
invitation-email-note = La invitación solo sirve para este correo electrónico.
invitation-role = Función
invitation-expires = Enlace válido hasta
invitation-create-heading = Cree su cuenta
invitation-name = Nombre completo
invitation-password = Elija una contraseña
invitation-password-rules-intro = Su contraseña debe:
invitation-password-rule-length = tener al menos 12 caracteres
invitation-password-rule-common = no ser una contraseña común o fácil de adivinar
invitation-password-rule-email = no contener la parte de su correo electrónico anterior a la @
invitation-password-hint-start = Escriba al menos 12 caracteres.
invitation-password-hint-short = { $count ->
    [one] Falta 1 carácter.
   *[other] Faltan { $count } caracteres.
}
invitation-password-hint-ok = Longitud suficiente. Comprobamos las demás reglas al continuar.
invitation-language = Idioma de Caucus y de sus correos
invitation-timezone = Su zona horaria
invitation-timezone-hint = Mostramos las fechas y horas en esta zona horaria.
invitation-timezone-unknown = Elija una zona horaria de la lista.
invitation-submit = Crear cuenta y unirse
invitation-working = Creando su cuenta…
invitation-name-required = Escriba su nombre completo.
invitation-name-invalid = Escriba su nombre completo, de hasta 200 caracteres.
invitation-password-required = Elija una contraseña.
password-too-short = Esta contraseña es demasiado corta: use al menos 12 caracteres.
password-too-long = Esta contraseña es demasiado larga: use como máximo 256 caracteres.
password-common = Esta contraseña es demasiado común y fácil de adivinar. Elija otra.
password-repetitive = Esta contraseña repite los mismos pocos caracteres. Elija una menos previsible.
password-contains-email = Esta contraseña contiene el nombre de su correo electrónico. Elija otra.
invitation-existing-heading = Ya tiene una cuenta
invitation-existing-body = Ya existe una cuenta de Caucus para { $email }. Inicie sesión con ella y después acepte la invitación.
invitation-sign-in-heading = Inicie sesión para aceptar
invitation-signed-in-as = Ha iniciado sesión como { $email }.
invitation-accept = Aceptar la invitación
invitation-accepting = Aceptando…
invitation-wrong-account = Esta invitación es para { $email }. Cierre sesión e iníciela con esa dirección.
invitation-problem-title-used = Esta invitación ya se usó
invitation-problem-title-expired = Esta invitación ha caducado
invitation-problem-title-invalid = Este enlace de invitación no funciona
invitation-problem-invalid = Puede que el enlace esté incompleto o mal escrito. Ábralo de nuevo desde el correo o pida uno nuevo a quien le invitó.
invitation-problem-sign-in = Ir a iniciar sesión
invitation-load-failed-title = No se pudo cargar la invitación

## Your sessions
sessions-link = Sus sesiones
sessions-title = Sus sesiones
sessions-intro = Estos navegadores y dispositivos tienen sesión iniciada en su cuenta. Si no reconoce alguno, cierre su sesión y cambie su contraseña.
sessions-caption = Navegadores con sesión iniciada en su cuenta
column-browser = Navegador
column-ip = Dirección IP
column-signed-in = Inicio de sesión
column-actions = Acciones
sessions-this-browser = Este navegador
sessions-browser-on = { $browser } en { $system }
sessions-unknown-browser = Navegador desconocido
sessions-unknown = Desconocida
sessions-sign-out-one = Cerrar sesión
sessions-signed-out-one = Se cerró esa sesión.
sessions-everywhere-heading = Cerrar sesión en todas partes
sessions-everywhere-body = Esto cierra la sesión en todos los navegadores y dispositivos de su cuenta, incluido este. Tendrá que iniciar sesión de nuevo.
sessions-everywhere = Cerrar sesión en todas partes
sessions-everywhere-confirm-text = ¿Está seguro? Terminarán todas las sesiones, incluida esta.
sessions-everywhere-confirm = Sí, cerrar sesión en todas partes
sessions-cancel = Cancelar

## Admin: invitations
admin-members-title = Miembros
admin-invite-title = Invitar a alguien
admin-invite-intro = Le enviamos por correo un enlace que funciona una sola vez, durante 7 días, y solo para esa dirección.
admin-invite-email = Correo electrónico
admin-invite-role = Función
admin-invite-language = Idioma del correo
admin-invite-submit = Enviar invitación
admin-invite-sending = Enviando…
admin-invite-email-required = Escriba un correo electrónico.
admin-invite-email-invalid = Escriba un correo electrónico válido, como nombre@example.org.
admin-invite-sent = Invitación enviada a { $email }.
admin-invitations-title = Invitaciones
admin-invitations-caption = Invitaciones enviadas por su organización
admin-invitations-empty = Todavía no hay invitaciones.
admin-invitation-withdraw = Retirar
admin-invitation-withdrawn = Se retiró la invitación a { $email }. Su enlace ya no funciona.
column-role = Función
column-status = Estado
column-expires = Caduca
status-pending = Pendiente
status-accepted = Aceptada
status-revoked = Retirada
status-expired = Caducada
status-other = Desconocido

## Admin: audit log
admin-nav-audit = Registro de auditoría
audit-title = Registro de auditoría
audit-intro = Inicios y cierres de sesión y cambios en su organización, del más reciente al más antiguo. Las entradas solo contienen identificadores, nunca nombres ni contenido.
audit-caption = Entradas del registro de auditoría
audit-filter = Mostrar
audit-filter-all = Todas las acciones
audit-empty = Ninguna entrada coincide.
audit-more = Cargar más
audit-system = Sistema
column-time = Hora
column-action = Acción
column-actor = Por
column-target = Objeto
audit-action-sign-in = Inició sesión
audit-action-sign-in-failed = Inicio de sesión fallido
audit-action-sign-out = Cerró sesión
audit-action-session-revoked = Sesión cerrada
audit-action-signed-out-everywhere = Cerró sesión en todas partes
audit-action-org-updated = Cambió la configuración de la organización
audit-action-invitation-created = Invitación enviada
audit-action-invitation-revoked = Invitación retirada
audit-action-invitation-accepted = Invitación aceptada
audit-action-password-reset = Contraseña restablecida
audit-action-member-suspended = Miembro suspendido
audit-action-member-reactivated = Miembro reactivado
audit-action-member-deleted = Cuenta de miembro eliminada
audit-action-member-removed = Miembro retirado de la organización
audit-action-org-created = Organización creada

## Two-step sign-in: the code step of sign-in
mfa-title = Introduzca su código
mfa-intro = Su cuenta usa el inicio de sesión en dos pasos. Abra su aplicación de autenticación e introduzca el código que muestra para Caucus.
mfa-code-label = Código de su aplicación de autenticación
mfa-code-hint = ¿No tiene el teléfono a mano? También sirve un código de recuperación, como abcde-fghjk. Cada uno sirve una sola vez.
mfa-code-required = Introduzca el código de su aplicación de autenticación o un código de recuperación.
mfa-code-wrong = Ese código no es correcto. Compruebe su aplicación e introduzca el código que muestra ahora, o use un código de recuperación.
mfa-verify-submit = Continuar
mfa-verify-working = Comprobando…
mfa-back = Usar otra cuenta
mfa-expired = El inicio de sesión tardó demasiado o tuvo demasiados códigos incorrectos. Introduzca de nuevo su contraseña para volver a intentarlo.

## Two-step sign-in: set-up
security-link = Inicio de sesión en dos pasos
security-title = Inicio de sesión en dos pasos
security-intro = Con el inicio de sesión en dos pasos, para entrar hacen falta su contraseña y un código de una aplicación de autenticación de su teléfono, de modo que una contraseña robada no basta.
security-on = El inicio de sesión en dos pasos está activado. Al iniciar sesión se le pedirá un código de su aplicación de autenticación.
security-off = El inicio de sesión en dos pasos está desactivado. Su cuenta está protegida solo por su contraseña.
security-start = Activar el inicio de sesión en dos pasos
security-start-working = Iniciando…
security-scan-heading = Configure su aplicación de autenticación
security-scan-intro = Escanee este código QR con una aplicación de autenticación, como Google Authenticator, Microsoft Authenticator o 1Password. Después introduzca el código de 6 cifras que muestra la aplicación.
security-qr-alt = Código QR para añadir su cuenta de Caucus a una aplicación de autenticación
security-secret-label = ¿No puede escanearlo? Escriba esta clave en la aplicación:
security-code-label = Código de 6 cifras de la aplicación
security-code-required = Introduzca el código de 6 cifras que muestra su aplicación.
security-code-wrong = Ese código no es correcto. Introduzca el código que muestra ahora su aplicación; cambia cada 30 segundos.
security-confirm = Confirmar y activar
security-confirm-working = Confirmando…
security-turned-on = El inicio de sesión en dos pasos ya está activado.
security-recovery-heading = Sus códigos de recuperación
security-recovery-advice = Si pierde el teléfono, cada uno de estos códigos le permite iniciar sesión una vez en lugar de un código de la aplicación. Guárdelos en un lugar seguro, como un gestor de contraseñas o una copia impresa. Solo se muestran ahora.
security-done = Listo
admin-nav-settings = Configuración
settings-title = Seguridad del inicio de sesión
settings-security-intro = Decida cómo inician sesión las personas de su organización. Los cambios se aplican a las sesiones que empiecen después de guardar.
settings-mfa-roles = Funciones que deben usar el inicio de sesión en dos pasos
settings-mfa-roles-hint = Las personas con estas funciones configurarán una aplicación de autenticación o una llave de acceso la próxima vez que inicien sesión, antes de poder hacer nada más.
settings-idle = Cerrar la sesión tras estos minutos sin actividad
settings-idle-hint = De 5 a 1440 minutos (24 horas). Déjelo vacío para usar el tiempo más largo que permite esta instalación.
settings-idle-invalid = Escriba un número entero de minutos entre 5 y 1440.
settings-absolute = Cerrar la sesión tras estas horas, aunque haya actividad
settings-absolute-hint = De 1 a 720 horas (30 días). Déjelo vacío para usar el tiempo más largo que permite esta instalación.
settings-absolute-invalid = Escriba un número entero de horas entre 1 y 720.
settings-staff-links = El personal puede iniciar sesión con un enlace enviado por correo
settings-staff-links-hint = Las partes siempre pueden usar enlaces de inicio de sesión por correo. El inicio de sesión en dos pasos sigue aplicándose a las funciones anteriores.
settings-save = Guardar la configuración
settings-saving = Guardando…
settings-saved = Configuración guardada. Se aplica a las sesiones que empiecen a partir de ahora.
admin-roles-title = Cambiar las funciones de una persona
admin-roles-intro = Elija una persona y marque las funciones que debe tener. Su sesión aquí se cerrará y, al volver a entrar, tendrá las funciones nuevas.
admin-roles-person = Persona
admin-roles-choose = Elija una persona
admin-roles-held = Funciones
admin-roles-none = Marque al menos una función. Para sacar a alguien de la organización, elimínelo.
admin-roles-save = Guardar las funciones
admin-roles-saving = Guardando…
admin-roles-saved = Funciones guardadas. La sesión de la persona aquí se cerró; verá el cambio al volver a iniciar sesión.
audit-action-role-changed = Función cambiada
audit-action-org-switched = Cambio de organización
audit-action-mfa-enabled = Inicio de sesión en dos pasos activado
sign-in-passkey-hint = ¿Configuró una llave de acceso en este dispositivo? Puede iniciar sesión con ella en lugar de la contraseña: escriba su correo electrónico arriba y elija el botón de abajo.
sign-in-passkey = Iniciar sesión con una llave de acceso
sign-in-passkey-working = Esperando su llave de acceso…
passkey-title = Llaves de acceso
passkey-intro = Una llave de acceso le permite iniciar sesión con su huella, su cara o el PIN del dispositivo en lugar de una contraseña. Se queda en su dispositivo y no se puede robar con un engaño. También cuenta como inicio de sesión en dos pasos.
passkey-none = Todavía no tiene llaves de acceso.
passkey-added-on = añadida el { $date }
passkey-remove = Quitar
passkey-name = Nombre de esta llave de acceso
passkey-name-hint = Para distinguir sus llaves, por ejemplo «Portátil del trabajo» o «Mi teléfono».
passkey-name-required = Ponga un nombre a la llave de acceso.
passkey-add = Añadir una llave de acceso en este dispositivo
passkey-add-working = Esperando a su dispositivo…
passkey-added = Llave de acceso añadida. La próxima vez podrá iniciar sesión con ella.
passkey-unsupported = Este navegador no puede usar llaves de acceso. Pruebe con un navegador actualizado o inicie sesión con su contraseña.
passkey-cancelled = No se usó ninguna llave de acceso. Si canceló, vuelva a intentarlo cuando quiera; si este dispositivo no tiene una llave para su cuenta, inicie sesión con su contraseña.
passkey-failed = No se pudo usar la llave de acceso. Inténtelo de nuevo.
security-app-title = Aplicación de autenticación
