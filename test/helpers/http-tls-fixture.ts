/**
 * A self-signed P-256 certificate for `localhost` / 127.0.0.1 (valid 2026-2126), generated once with
 * `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 36500
 *   -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1`.
 * Test-only: it protects nothing.
 */
export const TEST_TLS_CERT = `-----BEGIN CERTIFICATE-----
MIIBnDCCAUGgAwIBAgIUSzwZQbCeXjP8d3gS/FC3a94r4rowCgYIKoZIzj0EAwIw
FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTEyMzExMDkyNVoYDzIxMjYxMDMw
MTEwOTI1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
PQMBBwNCAAQMZExIa2wIuw2o67HtLcjSPfwhxR2dzloV08mQJ/89Ucp2HsL+colb
rQLdT6Ylbxj3mHoyLlN+zkf5kvnZZkido28wbTAdBgNVHQ4EFgQUNeVM7nfoZLez
U0yQUyQSAwWcbh4wHwYDVR0jBBgwFoAUNeVM7nfoZLezU0yQUyQSAwWcbh4wDwYD
VR0TAQH/BAUwAwEB/zAaBgNVHREEEzARgglsb2NhbGhvc3SHBH8AAAEwCgYIKoZI
zj0EAwIDSQAwRgIhAPEtCfbaXvsDjhkwVxJMJqYogxD0LnM61VwhWOenVl+nAiEA
hSuOa91DSovtWRa1JrVVn2qkDJM9GXktLsCRRA8y8ek=
-----END CERTIFICATE-----
`;

export const TEST_TLS_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg/RCfkq/q1qDiCr4v
NjFam6Zdb7opinOqvv72LjgOPG6hRANCAAQMZExIa2wIuw2o67HtLcjSPfwhxR2d
zloV08mQJ/89Ucp2HsL+colbrQLdT6Ylbxj3mHoyLlN+zkf5kvnZZkid
-----END PRIVATE KEY-----
`;
