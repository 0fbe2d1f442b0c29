//! The OpenAPI 3.1 document of the JSON API under `/api/v1`, served at
//! `GET /api/v1/openapi.json`.
//!
//! Written by hand from the handlers in `routes/` (request structs with
//! `deny_unknown_fields`, the extractors in `principal.rs`, the error codes
//! of `error.rs` and the handlers). One table, [`ops`], drives both
//! [`document`] and [`operations`], so the route test can compare the router
//! with the document. The unit tests below check the document's own
//! consistency (unique operation ids, resolvable `$ref`s, error codes).
//!
//! Only `serde_json` and `std` are used, apart from [`handler`] and the
//! `route_check` test, which runs the real router.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// The prefix every path of the document is relative to.
pub const BASE: &str = "/api/v1";

/// Every error code of the API: the code, the HTTP statuses it comes with,
/// its meaning in Japanese and in English.
pub const ERROR_CODES: &[(&str, &[u16], &str, &str)] = &[
    (
        "invalid_json",
        &[400],
        "リクエスト本文が JSON として読めない",
        "The body is not well-formed JSON",
    ),
    (
        "unknown_field",
        &[400],
        "本文に定義されていない項目がある（field に項目名）",
        "The body has a field the endpoint does not define (`field` names it)",
    ),
    (
        "missing_field",
        &[400],
        "必須の項目がない（field に項目名）",
        "A required field is missing (`field` names it)",
    ),
    (
        "invalid_field",
        &[400],
        "項目の型・値・形式が正しくない（分かる場合は field に項目名）",
        "A field has the wrong type, value or format (`field` names it when known)",
    ),
    (
        "bad_request",
        &[400],
        "リクエスト本文を読み取れない（通信の途中切断など）",
        "The request body could not be read",
    ),
    (
        "password_policy",
        &[400],
        "パスワードがパスワード規則を満たさない（message に違反をすべて列挙）",
        "The password breaks the password policy (the message lists every violation)",
    ),
    (
        "wrong_password",
        &[400],
        "現在のパスワードが正しくない",
        "The current password is wrong",
    ),
    (
        "invalid_enrollment",
        &[400],
        "多要素認証の登録手続き（enrollment_token）が無効か、期限（10分）切れ",
        "The MFA enrolment token is invalid or expired (10 minutes)",
    ),
    (
        "mfa_exemption_not_allowed",
        &[400],
        "多要素認証の免除は、閉域網運用（closed_network = true）のサーバーで、テナントが許可している場合だけ設定できる",
        "MFA exemption needs a server declared closed-network (and, for a user, a tenant that allows it)",
    ),
    (
        "self",
        &[400],
        "自分自身に対して停止・再開・ロック解除・役割変更はできない",
        "The operation cannot be applied to the caller's own account",
    ),
    (
        "unauthenticated",
        &[401],
        "ログインしていない、またはセッション・API トークンが無効（失効・期限切れ・利用者の停止を含む）",
        "No valid session or API token (including revoked, expired, or a suspended user)",
    ),
    (
        "session_expired",
        &[401],
        "無操作時間または最大継続時間を超えたため、セッションが終了した",
        "The session ended (idle or absolute timeout)",
    ),
    (
        "mfa_required",
        &[401, 403],
        "多要素認証（確認コードの入力）がまだ済んでいない（401）。登録済みの利用者が確認前に再登録しようとした（403）",
        "The second factor is still due (401); re-enrolment before verifying the enrolled factor (403)",
    ),
    (
        "login_failed",
        &[401],
        "ログインできない。ユーザー名・パスワードの誤り、ロック中、停止中を区別しない",
        "Login failed; wrong credentials, locked and suspended accounts are not distinguished",
    ),
    (
        "invalid_code",
        &[401],
        "確認コードまたは回復コードが正しくない（アカウントのロック中も同じ）",
        "The TOTP or recovery code is wrong (also while the account is locked)",
    ),
    (
        "forbidden",
        &[403],
        "役割・テナント、または認証方式（API トークンでは行えない操作）により許可されない",
        "Not allowed for the caller's role or tenant, or not allowed with an API token",
    ),
    (
        "csrf",
        &[403],
        "セッションでの POST/PUT/DELETE で X-CSRF-Token ヘッダーがセッションの CSRF トークンと一致しない",
        "Session request with an unsafe method without the session's X-CSRF-Token header",
    ),
    (
        "password_change_required",
        &[403],
        "パスワードの変更が必要（初期パスワード・有効期限切れ）。/me と /me/password 以外は使えない",
        "The password must be changed first; only /me and /me/password answer",
    ),
    (
        "invalid_setup_token",
        &[403],
        "初期設定トークンが正しくないか、使用済み",
        "The setup token is wrong or already used",
    ),
    (
        "not_found",
        &[404],
        "対象が存在しない、または他テナントのもの（両者は区別しない）。未定義のパスも同じ",
        "Not found, or it belongs to another tenant (indistinguishable); also unknown paths",
    ),
    (
        "conflict",
        &[409],
        "既に存在する（テナントの slug、ユーザー名）、または初期設定が完了済み",
        "Already exists (tenant slug, username) or setup already done",
    ),
    (
        "mfa_not_enrolled",
        &[409],
        "多要素認証が未登録のまま確認コードを送った",
        "A code was sent but no second factor is enrolled",
    ),
    (
        "payload_too_large",
        &[413],
        "本文がサーバーの上限（max_body_bytes、既定 1 MiB）を超えた",
        "The body exceeds the server's limit (max_body_bytes, 1 MiB by default)",
    ),
    (
        "unsupported_media_type",
        &[415],
        "本文のある操作で Content-Type が application/json ではない",
        "Content-Type is not application/json",
    ),
    (
        "rate_limited",
        &[429],
        "ログインの試行が多すぎる。Retry-After ヘッダーの秒数だけ待って再試行する",
        "Too many login attempts; retry after the Retry-After header's seconds",
    ),
    (
        "internal",
        &[500],
        "サーバー内部のエラー。詳細はサーバーのログにのみ記録される",
        "Server-side failure; details go to the server log only",
    ),
];

// ---------------------------------------------------------------------------
// Small schema builders

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn param_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/parameters/{name}") })
}

fn nullable_ref(name: &str) -> Value {
    json!({ "anyOf": [schema_ref(name), { "type": "null" }] })
}

fn string(description: &str) -> Value {
    json!({ "type": "string", "description": description })
}

fn nullable_string(description: &str) -> Value {
    json!({ "type": ["string", "null"], "description": description })
}

fn boolean(description: &str) -> Value {
    json!({ "type": "boolean", "description": description })
}

fn timestamp(description: &str) -> Value {
    json!({ "type": "string", "format": "date-time", "description": description })
}

fn nullable_timestamp(description: &str) -> Value {
    json!({ "type": ["string", "null"], "format": "date-time", "description": description })
}

/// `value` with `key` set to `extra`.
fn with(mut value: Value, key: &str, extra: Value) -> Value {
    if let Value::Object(map) = &mut value {
        map.insert(key.to_owned(), extra);
    }
    value
}

/// An object schema. `closed`: `additionalProperties: false` (request
/// bodies, which the server reads with `deny_unknown_fields`).
fn object(description: &str, required: &[&str], closed: bool, props: Vec<(&str, Value)>) -> Value {
    let mut properties = Map::new();
    for (name, schema) in props {
        properties.insert(name.to_owned(), schema);
    }
    let mut o = Map::new();
    o.insert("type".into(), json!("object"));
    o.insert("description".into(), json!(description));
    if !required.is_empty() {
        o.insert("required".into(), json!(required));
    }
    o.insert("properties".into(), Value::Object(properties));
    if closed {
        o.insert("additionalProperties".into(), json!(false));
    }
    Value::Object(o)
}

const USERNAME_PATTERN: &str = "^[A-Za-z0-9._@-]{3,64}$";

fn username() -> Value {
    json!({
        "type": "string",
        "pattern": USERNAME_PATTERN,
        "description": "ユーザー名: 英数字と . _ - @ の3〜64文字 / Username: 3-64 of A-Z a-z 0-9 . _ - @",
    })
}

fn display_name(description: &str) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "description": format!("{description}: 前後の空白を除いて1〜100文字、制御文字は不可 / 1-100 characters after trimming, no control characters"),
    })
}

fn password(description: &str) -> Value {
    json!({ "type": "string", "format": "password", "description": description })
}

// ---------------------------------------------------------------------------
// Component schemas

fn error_schemas(schemas: &mut Map<String, Value>) {
    let codes: Vec<Value> = ERROR_CODES
        .iter()
        .map(|(code, statuses, ja, en)| {
            let statuses: Vec<String> = statuses.iter().map(u16::to_string).collect();
            json!({
                "const": code,
                "description": format!("HTTP {}: {ja} / {en}", statuses.join(", ")),
            })
        })
        .collect();
    schemas.insert(
        "ErrorCode".into(),
        json!({
            "type": "string",
            "description": "機械処理用の安定したエラーコード。クライアントは未知のコードも受け付けること / Stable machine-readable error code; clients should accept codes added later",
            "oneOf": codes,
        }),
    );
    schemas.insert(
        "Error".into(),
        object(
            "すべてのエラー応答 (4xx/5xx) の本文 / The body of every error response",
            &["error"],
            false,
            vec![(
                "error",
                object(
                    "エラーの内容 / The error",
                    &["code", "message"],
                    false,
                    vec![
                        ("code", schema_ref("ErrorCode")),
                        (
                            "message",
                            string("利用者向けの日本語の説明（変わりうるので機械処理には code を使う） / Japanese message for people"),
                        ),
                        (
                            "field",
                            string("原因となったリクエストの項目（あれば）。値の検査では password_policy.min_length のようなドット区切り、JSON の解析エラーでは項目名のみ / The request field at fault, if any: a dotted path from validation, the bare name from JSON parsing"),
                        ),
                    ],
                ),
            )],
        ),
    );
}

fn role_schema() -> Value {
    json!({
        "type": "string",
        "enum": ["system_admin", "tenant_admin", "reviewer", "viewer", "vendor"],
        "description": "役割 / Role: system_admin = システム管理者（テナントなし）, tenant_admin = テナント管理者, reviewer = 審査担当者, viewer = 閲覧者, vendor = 事業者",
    })
}

fn tenant_role() -> Value {
    json!({
        "type": "string",
        "enum": ["tenant_admin", "reviewer", "viewer"],
        "description": "テナントの利用者の役割 / Role of a tenant user",
    })
}

fn password_policy(update: bool) -> Value {
    let props = vec![
        (
            "min_length",
            json!({"type": "integer", "minimum": if update { 8 } else { 0 }, "default": 12,
                   "description": "最小文字数（Unicode 文字数）。設定では8以上 / Minimum length in characters; at least 8 when set"}),
        ),
        (
            "require_lowercase",
            json!({"type": "boolean", "default": true, "description": "英小文字 (a-z) が必要 / Requires a-z"}),
        ),
        (
            "require_uppercase",
            json!({"type": "boolean", "default": true, "description": "英大文字 (A-Z) が必要 / Requires A-Z"}),
        ),
        (
            "require_digit",
            json!({"type": "boolean", "default": true, "description": "数字 (0-9) が必要 / Requires 0-9"}),
        ),
        (
            "require_symbol",
            json!({"type": "boolean", "default": true, "description": "ASCII 記号または空白が必要 / Requires an ASCII symbol or space"}),
        ),
        (
            "history",
            json!({"type": "integer", "minimum": 0, "default": 5,
                   "description": "再利用できない直近のパスワード数（現在のものを含む。0 は再利用可） / Recent passwords that may not be reused; 0 allows reuse"}),
        ),
        (
            "max_age_days",
            json!({"type": ["integer", "null"], "minimum": 0, "maximum": 4_294_967_295_u64, "default": null,
                   "description": "この日数ごとに変更が必要（null は無期限） / Days after which a password must be changed; null never"}),
        ),
    ];
    if update {
        object(
            "パスワード規則（省略した項目は既定値） / Password policy; omitted fields take their defaults",
            &[],
            true,
            props,
        )
    } else {
        object(
            "パスワード規則 / Password policy",
            &[
                "min_length",
                "require_lowercase",
                "require_uppercase",
                "require_digit",
                "require_symbol",
                "history",
                "max_age_days",
            ],
            false,
            props,
        )
    }
}

fn lockout_policy(update: bool) -> Value {
    let props = vec![
        (
            "max_failures",
            json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64, "default": 5,
                   "description": "ロックまでの連続失敗回数（0 はロックしない） / Consecutive failures that lock the account; 0 never locks"}),
        ),
        (
            "lock_duration",
            json!({"type": ["string", "null"], "format": "duration", "default": "PT15M",
                   "description": "ロックの長さ（ISO 8601 の期間、例 PT15M）。null は管理者がロック解除するまで / Lock length as an ISO 8601 duration; null until an administrator unlocks"}),
        ),
    ];
    if update {
        object(
            "アカウントロックの規則（省略した項目は既定値） / Lockout policy; omitted fields take their defaults",
            &[],
            true,
            props,
        )
    } else {
        object(
            "アカウントロックの規則 / Lockout policy",
            &["max_failures", "lock_duration"],
            false,
            props,
        )
    }
}

fn tenant_settings(update: bool) -> Value {
    let (policy, lockout) = if update {
        ("PasswordPolicyUpdate", "LockoutPolicyUpdate")
    } else {
        ("PasswordPolicy", "LockoutPolicy")
    };
    let props = vec![
        ("password_policy", schema_ref(policy)),
        (
            "lockout",
            with(
                nullable_ref(lockout),
                "description",
                json!(
                    "null はサーバー既定のロック規則（既定: 5回失敗で15分） / null: the server's default lockout policy"
                ),
            ),
        ),
        (
            "mfa_exempt_allowed",
            json!({"type": "boolean", "default": false,
                   "description": "利用者の多要素認証の免除を認める。closed_network = true のサーバーでのみ true にできる / Allow MFA-exempt users; only on a closed-network server"}),
        ),
        (
            "audit_retention_days",
            json!({"type": ["integer", "null"], "minimum": 0, "maximum": 4_294_967_295_u64, "default": null,
                   "description": "監査ログの保存日数（null は無期限） / Days audit entries are kept; null for ever"}),
        ),
    ];
    if update {
        object(
            "テナントのセキュリティ設定（全体を置き換える。省略した項目は既定値になり、以前の値は引き継がれない） / Tenant security settings; replaces the whole settings, omitted fields take their defaults",
            &[],
            true,
            props,
        )
    } else {
        object(
            "テナントのセキュリティ設定 / Tenant security settings",
            &[
                "password_policy",
                "lockout",
                "mfa_exempt_allowed",
                "audit_retention_days",
            ],
            false,
            props,
        )
    }
}

fn model_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert("Role".into(), role_schema());
    schemas.insert(
        "User".into(),
        object(
            "利用者（API での表示形式 UserView。パスワードや TOTP の秘密は含まない） / A user as the API shows it (UserView)",
            &[
                "id",
                "username",
                "display_name",
                "email",
                "role",
                "role_label",
                "tenant_id",
                "organisation_id",
                "mfa_enrolled",
                "mfa_exempt",
                "suspended",
                "locked",
                "must_change_password",
                "created_at",
            ],
            false,
            vec![
                ("id", string("利用者 ID / User id")),
                ("username", username()),
                ("display_name", string("表示名 / Display name")),
                ("email", nullable_string("メールアドレス / E-mail address")),
                ("role", schema_ref("Role")),
                (
                    "role_label",
                    string("役割の日本語名（例: テナント管理者） / Japanese role name"),
                ),
                (
                    "tenant_id",
                    nullable_string("所属テナント（システム管理者・事業者は null） / Tenant; null for system administrators and vendors"),
                ),
                (
                    "organisation_id",
                    nullable_string("所属する事業者の組織 / Vendor organisation"),
                ),
                (
                    "mfa_enrolled",
                    boolean("多要素認証 (TOTP) を登録済み / TOTP enrolled"),
                ),
                (
                    "mfa_exempt",
                    boolean("多要素認証を免除されている（閉域網運用のサーバーでテナントが許可している場合だけ有効） / Exempt from MFA (honoured only on a closed-network server whose tenant allows it)"),
                ),
                ("suspended", boolean("利用停止中 / Suspended")),
                (
                    "locked",
                    boolean("ログイン失敗によりロック中 / Locked after failed logins"),
                ),
                (
                    "must_change_password",
                    boolean("次回ログイン時にパスワード変更が必要（初期パスワード） / Must change the (initial) password"),
                ),
                ("created_at", timestamp("作成日時 (UTC) / Created at")),
            ],
        ),
    );
    schemas.insert(
        "Tenant".into(),
        object(
            "テナント（自治体） / Tenant (municipality)",
            &["id", "slug", "name", "created_at"],
            false,
            vec![
                ("id", string("テナント ID / Tenant id")),
                (
                    "slug",
                    string("URL などで使う短い名前（例: funabashi） / Short stable name"),
                ),
                ("name", string("名称 / Name")),
                ("created_at", timestamp("作成日時 (UTC) / Created at")),
            ],
        ),
    );
    schemas.insert(
        "Organisation".into(),
        object(
            "事業者の組織 / A vendor organisation",
            &["id", "name", "kind", "created_at"],
            false,
            vec![
                ("id", string("組織 ID / Organisation id")),
                ("name", string("名称 / Name")),
                (
                    "kind",
                    string_enum(
                        "種別: integrator = 導入事業者, provider = 外部サービス提供者 / Kind",
                        &["integrator", "provider"],
                    ),
                ),
                ("created_at", timestamp("作成日時 (UTC) / Created at")),
            ],
        ),
    );
    schemas.insert("PasswordPolicy".into(), password_policy(false));
    schemas.insert("LockoutPolicy".into(), lockout_policy(false));
    schemas.insert("TenantSettings".into(), tenant_settings(false));
    schemas.insert(
        "ApiToken".into(),
        object(
            "API トークン（秘密の値は含まない） / An API token, without its secret",
            &[
                "id",
                "user_id",
                "tenant_id",
                "role",
                "name",
                "created_at",
                "expires_at",
                "revoked_at",
                "last_used_at",
            ],
            false,
            vec![
                ("id", string("トークン ID / Token id")),
                ("user_id", string("所有する利用者 / Owner")),
                (
                    "tenant_id",
                    nullable_string("トークンが働くテナント / Tenant the token acts in"),
                ),
                ("role", schema_ref("Role")),
                ("name", string("名前 / Name")),
                ("created_at", timestamp("作成日時 (UTC) / Created at")),
                ("expires_at", timestamp("有効期限 (UTC) / Expires at")),
                (
                    "revoked_at",
                    nullable_timestamp("失効日時 (UTC)、失効していなければ null / Revoked at"),
                ),
                (
                    "last_used_at",
                    nullable_timestamp("最終利用日時 (UTC) / Last used at"),
                ),
            ],
        ),
    );
    schemas.insert(
        "CreatedApiToken".into(),
        object(
            "作成した API トークン。token はこの応答でのみ表示される / A new API token; `token` is shown this once",
            &["id", "token", "role", "tenant_id", "expires_at"],
            false,
            vec![
                ("id", string("トークン ID / Token id")),
                (
                    "token",
                    json!({"type": "string", "pattern": "^kijun_",
                           "description": "秘密の値（kijun_ で始まる）。Authorization: Bearer で送る / The secret, sent as Authorization: Bearer"}),
                ),
                ("role", schema_ref("Role")),
                ("tenant_id", nullable_string("テナント / Tenant")),
                ("expires_at", timestamp("有効期限 (UTC) / Expires at")),
            ],
        ),
    );
    schemas.insert(
        "AuditEntry".into(),
        object(
            "監査ログの記録。チェーンごとに SHA-256 のハッシュ連鎖で改ざんを検出できる / An audit entry, hash-chained per chain",
            &[
                "chain",
                "seq",
                "at",
                "tenant_id",
                "actor_id",
                "actor_name",
                "action",
                "target",
                "source_addr",
                "details",
                "prev_hash",
                "hash",
            ],
            false,
            vec![
                (
                    "chain",
                    string("チェーン: テナント ID、またはテナントに属さない記録の system / Chain: the tenant id or `system`"),
                ),
                (
                    "seq",
                    json!({"type": "integer", "format": "int64", "minimum": 1, "description": "チェーン内の連番 / Sequence number in the chain"}),
                ),
                ("at", timestamp("日時 (UTC) / When")),
                ("tenant_id", nullable_string("テナント / Tenant")),
                (
                    "actor_id",
                    nullable_string("操作者の利用者 ID（匿名なら null） / Acting user; null if anonymous"),
                ),
                (
                    "actor_name",
                    nullable_string("操作時点の操作者の表示名 / Actor's display name at the time"),
                ),
                (
                    "action",
                    string("操作（例: login, login_failed, user_suspended, audit_exported） / Action"),
                ),
                (
                    "target",
                    nullable_string("対象（例: user:ID, tenant:ID, token:ID） / Target"),
                ),
                (
                    "source_addr",
                    nullable_string("接続元 IP アドレス / Source address"),
                ),
                (
                    "details",
                    string("詳細（ハッシュ対象の JSON テキスト。オブジェクトではなく文字列） / Details as JSON text (a string, as hashed)"),
                ),
                (
                    "prev_hash",
                    json!({"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "直前の記録のハッシュ（先頭は 0 が64個） / Previous entry's hash"}),
                ),
                (
                    "hash",
                    json!({"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "この記録のハッシュ (SHA-256, 16進) / This entry's hash"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "LoginResponse".into(),
        object(
            "パスワード確認の結果 / Result of the password step",
            &["next", "csrf_token", "user"],
            false,
            vec![
                (
                    "next",
                    json!({
                        "type": "string",
                        "enum": ["mfa", "mfa_enrollment", "password_change", "done"],
                        "description": "次に必要な手続き / What the client must do next: mfa = POST /auth/mfa, mfa_enrollment = POST /auth/mfa/enroll, password_change = POST /me/password, done = 完了",
                    }),
                ),
                (
                    "csrf_token",
                    string("このセッションの CSRF トークン。POST/PUT/DELETE で X-CSRF-Token ヘッダーに付ける / Send as X-CSRF-Token on unsafe requests"),
                ),
                ("user", schema_ref("User")),
            ],
        ),
    );
    let next_after_mfa = json!({
        "type": "string",
        "enum": ["password_change", "done"],
        "description": "次に必要な手続き / Next step: password_change = POST /me/password, done = 完了",
    });
    schemas.insert(
        "MfaResult".into(),
        object(
            "多要素認証の結果 / Result of the second factor",
            &["next"],
            false,
            vec![("next", next_after_mfa.clone())],
        ),
    );
    schemas.insert(
        "MfaEnrollment".into(),
        object(
            "TOTP 登録の開始 / A started TOTP enrolment",
            &["secret", "otpauth_uri", "qr_svg", "enrollment_token"],
            false,
            vec![
                (
                    "secret",
                    string("TOTP の秘密（Base32、手入力用） / The secret in Base32, for manual entry"),
                ),
                (
                    "otpauth_uri",
                    string("otpauth://totp/... URI / Key URI for authenticator apps"),
                ),
                (
                    "qr_svg",
                    string("otpauth URI の QR コード (SVG テキスト) / QR code of the URI, SVG text"),
                ),
                (
                    "enrollment_token",
                    string("確認 (POST /auth/mfa/enroll/confirm) に渡す不透明なトークン。このセッションで10分有効 / Opaque token for the confirmation, valid 10 minutes in this session"),
                ),
            ],
        ),
    );
    schemas.insert(
        "MfaConfirmResult".into(),
        object(
            "TOTP 登録の完了 / A completed TOTP enrolment",
            &["recovery_codes", "next"],
            false,
            vec![
                (
                    "recovery_codes",
                    json!({
                        "type": "array",
                        "items": {"type": "string", "pattern": "^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$"},
                        "minItems": 10,
                        "maxItems": 10,
                        "description": "回復コード10個（xxxx-xxxx-xxxx）。この応答でのみ表示される / Ten recovery codes, shown this once",
                    }),
                ),
                ("next", next_after_mfa),
            ],
        ),
    );
    schemas.insert(
        "Me".into(),
        object(
            "自分のアカウント / The caller's own account",
            &[
                "user",
                "effective_role",
                "effective_tenant_id",
                "password_change_required",
                "password_policy",
            ],
            false,
            vec![
                ("user", schema_ref("User")),
                (
                    "effective_role",
                    with(
                        schema_ref("Role"),
                        "description",
                        json!("実際に働く役割（API トークンでは利用者より弱いことがある） / Effective role (an API token may carry less)"),
                    ),
                ),
                (
                    "effective_tenant_id",
                    nullable_string("実際に働くテナント / Effective tenant"),
                ),
                (
                    "password_change_required",
                    boolean("パスワードの変更が必要 / The password must be changed first"),
                ),
                (
                    "password_policy",
                    json!({"type": "array", "items": {"type": "string"},
                           "description": "パスワード規則の日本語の説明（1行1規則、変更画面用） / The password rules in Japanese, one per line"}),
                ),
            ],
        ),
    );
}

fn string_enum(description: &str, values: &[&str]) -> Value {
    json!({"type": "string", "enum": values, "description": description})
}

fn strings(description: &str) -> Value {
    json!({"type": "array", "items": {"type": "string"}, "description": description})
}

/// The criteria catalogs (`kijun_core::Catalog`, see docs/catalog-format.md).
fn catalog_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "CatalogSummary".into(),
        object(
            "基準カタログの概要 / A criteria catalog in brief",
            &["id", "title", "issuer", "version", "source", "requirement_count"],
            false,
            vec![
                ("id", string("カタログ ID（例: seed-000） / Catalog id")),
                ("title", string("表題 / Title")),
                ("issuer", string("発行者 / Issuer")),
                ("version", string("版 / Version")),
                ("source", string("出典 / Source")),
                (
                    "requirement_count",
                    json!({"type": "integer", "minimum": 0, "description": "要求事項の数 / Number of requirements"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "Phase".into(),
        string_enum(
            "段階 / Phase: selection = 選定, build = 導入・構築, operation = 運用・保守, termination = 更改・廃棄, contract = 契約・報告",
            &["selection", "build", "operation", "termination", "contract"],
        ),
    );
    schemas.insert(
        "Party".into(),
        string_enum(
            "対象者 / Party: integrator = 導入事業者, provider = 外部サービス提供者",
            &["integrator", "provider"],
        ),
    );
    schemas.insert(
        "LevelSpec".into(),
        string_enum(
            "求める程度 / Level: required = 必須, recommended = 推奨, none = 求めない（－）",
            &["required", "recommended", "none"],
        ),
    );
    schemas.insert(
        "Catalog".into(),
        object(
            "基準カタログ（形式は docs/catalog-format.md） / A criteria catalog",
            &[
                "id",
                "title",
                "issuer",
                "version",
                "source",
                "notes",
                "phase_labels",
                "conditions",
                "requirements",
            ],
            false,
            vec![
                ("id", string("カタログ ID / Catalog id")),
                ("title", string("表題 / Title")),
                ("issuer", string("発行者 / Issuer")),
                ("version", string("版 / Version")),
                ("source", string("出典 / Source")),
                ("notes", strings("注記 / Notes")),
                (
                    "phase_labels",
                    json!({"type": "object", "propertyNames": schema_ref("Phase"), "additionalProperties": {"type": "string"},
                           "description": "段階ごとの出典での見出し / The source's heading per phase"}),
                ),
                (
                    "conditions",
                    json!({"type": "array", "description": "名前付きの条件 / Named conditions", "items": object(
                        "名前付きの条件 / A named condition",
                        &["id", "label", "when"],
                        false,
                        vec![
                            ("id", string("条件 ID / Condition id")),
                            ("label", string("名称 / Label")),
                            ("when", string("条件式 / The condition as written")),
                        ],
                    )}),
                ),
                (
                    "requirements",
                    json!({"type": "array", "items": schema_ref("Requirement"), "description": "要求事項 / Requirements"}),
                ),
            ],
        ),
    );
    let optional = "（ない場合は項目ごと省略） / omitted when absent";
    schemas.insert(
        "Requirement".into(),
        object(
            "要求事項 / A requirement",
            &[
                "id",
                "phase",
                "text",
                "examples",
                "items",
                "obligations",
                "parameters",
                "controls",
                "evidence",
            ],
            false,
            vec![
                ("id", string("要求事項 ID（例: SEL-01） / Requirement id")),
                ("phase", schema_ref("Phase")),
                ("category", string(&format!("分類{optional}"))),
                ("subcategory", string(&format!("小分類{optional}"))),
                ("source_ref", string(&format!("出典での位置{optional}"))),
                ("text", string("要求事項の本文（出典のまま） / The requirement text, verbatim")),
                (
                    "examples",
                    json!({"type": "array", "description": "例 / Examples", "items": {"anyOf": [
                        {"type": "string"},
                        object("対象者を限った例 / An example for one party", &["text", "party"], false, vec![
                            ("text", string("例 / Example")),
                            ("party", schema_ref("Party")),
                        ]),
                    ]}}),
                ),
                (
                    "items",
                    json!({"type": "array", "description": "細目 / Sub-items", "items": object(
                        "細目 / A sub-item",
                        &["text"],
                        false,
                        vec![
                            ("label", string(&format!("番号など{optional}"))),
                            ("text", string("本文 / Text")),
                            ("target", string(&format!("対象{optional}"))),
                            ("method", string(&format!("方法{optional}"))),
                        ],
                    )}),
                ),
                (
                    "obligations",
                    json!({"type": "array", "description": "誰に何を求めるか。条件 (when) が最初に成り立つ規則が使われる / Who must meet it; the first rule whose condition holds applies", "items": object(
                        "規則 / A rule",
                        &["when", "integrator", "provider"],
                        false,
                        vec![
                            ("when", nullable_string("条件式（null は常に成り立つ） / Condition; null always holds")),
                            ("integrator", schema_ref("LevelSpec")),
                            ("provider", schema_ref("LevelSpec")),
                        ],
                    )}),
                ),
                (
                    "parameters",
                    json!({"type": "array", "items": schema_ref("CatalogParameter"), "description": "数値などの基準値 / Parameters"}),
                ),
                ("controls", strings("共通管理策の ID / Common control ids")),
                ("evidence", strings("証跡の例 / Evidence")),
                ("note", string(&format!("備考{optional}"))),
            ],
        ),
    );
    let time =
        json!({"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$", "description": "HH:MM"});
    schemas.insert(
        "CatalogParameter".into(),
        with(
            object(
                "基準値。値は value（数値）、days/start/end（時間帯）、date（日付）のいずれか / A parameter: a number, a time window or a date",
                &["key", "label", "unit", "bound"],
                false,
                vec![
                    ("key", string("キー / Key")),
                    ("label", string("名称 / Label")),
                    (
                        "unit",
                        string_enum(
                            "単位 / Unit",
                            &[
                                "percent",
                                "minute",
                                "hour",
                                "day",
                                "month",
                                "year",
                                "count",
                                "per_year",
                                "per_month",
                                "seismic_intensity",
                                "time_window",
                                "date",
                            ],
                        ),
                    ),
                    (
                        "bound",
                        string_enum("以上 (min)・以内 (max)・ちょうど (exact) / Bound", &["min", "max", "exact"]),
                    ),
                    (
                        "excluding_closed_days",
                        boolean("閉庁日を除く（true のときだけ現れる） / Excluding closed days; present only when true"),
                    ),
                    ("value", json!({"type": "number", "description": "数値 / Number"})),
                    (
                        "days",
                        string_enum(
                            "曜日: 平日・開庁日・毎日 / Days",
                            &["weekdays", "business_days", "all"],
                        ),
                    ),
                    ("start", time.clone()),
                    ("end", time),
                    ("date", json!({"type": "string", "format": "date", "description": "日付 / Date"})),
                ],
            ),
            "oneOf",
            json!([
                {"required": ["value"]},
                {"required": ["days", "start", "end"]},
                {"required": ["date"]},
            ]),
        ),
    );
}

fn request_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "SetupRequest".into(),
        object(
            "最初のシステム管理者の作成 / Creating the first system administrator",
            &["token", "username", "display_name", "password"],
            true,
            vec![
                (
                    "token",
                    string("kijun serve の初回起動時に表示される初期設定トークン / The one-time setup token printed by `kijun serve`"),
                ),
                ("username", username()),
                ("display_name", display_name("表示名 / Display name")),
                (
                    "password",
                    password("パスワード（既定のパスワード規則: 12文字以上、英大小文字・数字・記号を含む） / Password (default policy)"),
                ),
            ],
        ),
    );
    schemas.insert(
        "LoginRequest".into(),
        object(
            "ログイン / Login",
            &["username", "password"],
            true,
            vec![
                ("username", string("ユーザー名 / Username")),
                ("password", password("パスワード / Password")),
            ],
        ),
    );
    schemas.insert(
        "MfaRequest".into(),
        object(
            "code か recovery_code のどちらか一方だけを指定する / Exactly one of `code` and `recovery_code`",
            &[],
            true,
            vec![
                (
                    "code",
                    nullable_string("認証アプリの6桁の確認コード（空白は無視） / Six-digit TOTP code (spaces ignored)"),
                ),
                (
                    "recovery_code",
                    nullable_string("回復コード（xxxx-xxxx-xxxx、各1回限り） / A recovery code, each usable once"),
                ),
            ],
        ),
    );
    schemas.insert(
        "MfaConfirmRequest".into(),
        object(
            "TOTP 登録の確認 / Confirming a TOTP enrolment",
            &["enrollment_token", "code"],
            true,
            vec![
                (
                    "enrollment_token",
                    string("POST /auth/mfa/enroll の enrollment_token / From the enrolment start"),
                ),
                (
                    "code",
                    string("認証アプリに表示された最初の確認コード / The first code from the app"),
                ),
            ],
        ),
    );
    schemas.insert(
        "PasswordChangeRequest".into(),
        object(
            "パスワードの変更 / Password change",
            &["current_password", "new_password"],
            true,
            vec![
                (
                    "current_password",
                    password("現在のパスワード / Current password"),
                ),
                (
                    "new_password",
                    password("新しいパスワード（テナントのパスワード規則に従う） / New password, per the tenant's policy"),
                ),
            ],
        ),
    );
    schemas.insert(
        "NewTenantRequest".into(),
        object(
            "テナントの作成 / A new tenant",
            &["slug", "name"],
            true,
            vec![
                (
                    "slug",
                    json!({"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,39}$",
                           "description": "英小文字・数字・- の2〜40文字（- で始まらない）。一意 / 2-40 of a-z 0-9 -, not starting with -; unique"}),
                ),
                ("name", display_name("名称 / Name")),
            ],
        ),
    );
    schemas.insert(
        "NewTenantUserRequest".into(),
        object(
            "テナントの利用者の作成。作成された利用者は初回ログインでパスワード変更が必要 / A new tenant user, who must change the password at first login",
            &[
                "username",
                "display_name",
                "role",
                "initial_password",
            ],
            true,
            vec![
                ("username", with(username(), "description", json!("ユーザー名（サーバー全体で一意）: 英数字と . _ - @ の3〜64文字 / Username, unique server-wide"))),
                ("display_name", display_name("表示名 / Display name")),
                ("email", nullable_string("メールアドレス / E-mail address")),
                ("role", tenant_role()),
                (
                    "initial_password",
                    password("初期パスワード（テナントのパスワード規則に従う） / Initial password, per the tenant's policy"),
                ),
            ],
        ),
    );
    schemas.insert(
        "RoleChangeRequest".into(),
        object(
            "役割の変更。テナントの利用者は tenant_admin / reviewer / viewer のみ、テナントのない利用者は変更不可 / Tenant users: tenant_admin, reviewer or viewer; others cannot change",
            &["role"],
            true,
            vec![("role", schema_ref("Role"))],
        ),
    );
    schemas.insert(
        "NewTokenRequest".into(),
        object(
            "API トークンの作成 / A new API token",
            &["name", "expires_in_days"],
            true,
            vec![
                ("name", display_name("名前 / Name")),
                (
                    "expires_in_days",
                    json!({"type": "integer", "format": "int64", "minimum": 1,
                           "description": "有効日数。1〜サーバー設定 api_token_max_days（既定 365） / Lifetime in days, 1 to api_token_max_days (365 by default)"}),
                ),
                (
                    "role",
                    json!({"anyOf": [schema_ref("Role"), {"type": "null"}],
                           "description": "トークンの役割（省略時は自分の役割）。自分より強い役割は不可 / Role; defaults to the caller's, never stronger"}),
                ),
                (
                    "tenant_id",
                    nullable_string("トークンのテナント（省略時は自分のテナント）。他テナントは 404 / Tenant; defaults to the caller's, another tenant is 404"),
                ),
            ],
        ),
    );
    schemas.insert(
        "MfaExemptionRequest".into(),
        object(
            "多要素認証の免除 / MFA exemption",
            &["exempt"],
            true,
            vec![(
                "exempt",
                boolean(
                    "true で免除、false で免除をやめる / true exempts, false lifts the exemption",
                ),
            )],
        ),
    );
    schemas.insert(
        "NewOrganisationRequest".into(),
        object(
            "事業者の組織の登録 / A new vendor organisation",
            &["name", "kind"],
            true,
            vec![
                ("name", display_name("名称（一意） / Name, unique")),
                (
                    "kind",
                    string_enum(
                        "種別: integrator = 導入事業者, provider = 外部サービス提供者 / Kind",
                        &["integrator", "provider"],
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "NewVendorUserRequest".into(),
        object(
            "事業者の利用者の作成。役割は vendor、初回ログインでパスワード変更が必要 / A new vendor user (role vendor), who must change the password at first login",
            &["username", "display_name", "initial_password"],
            true,
            vec![
                ("username", with(username(), "description", json!("ユーザー名（サーバー全体で一意）: 英数字と . _ - @ の3〜64文字 / Username, unique server-wide"))),
                ("display_name", display_name("表示名 / Display name")),
                ("email", nullable_string("メールアドレス / E-mail address")),
                (
                    "initial_password",
                    password("初期パスワード（既定のパスワード規則に従う） / Initial password, per the default policy"),
                ),
            ],
        ),
    );
    schemas.insert("TenantSettingsUpdate".into(), tenant_settings(true));
    schemas.insert("PasswordPolicyUpdate".into(), password_policy(true));
    schemas.insert("LockoutPolicyUpdate".into(), lockout_policy(true));
}

fn parameters() -> Value {
    let path = |description: &str| json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": description});
    json!({
        "TenantId": path("テナント ID / Tenant id"),
        "UserId": path("利用者 ID / User id"),
        "TokenId": path("API トークン ID / API token id"),
        "CatalogId": path("カタログ ID（例: seed-000） / Catalog id"),
        "OrganisationId": path("組織 ID / Organisation id"),
        "AuditTenantId": {
            "name": "tenant_id", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "テナント ID。システム管理者は任意のテナントを指定でき、省略するとテナントに属さない記録（system チェーン）を読む。テナント管理者は自テナントのみ（省略時も自テナント、他テナントは 404） / Tenant; system administrators read any chain (omitted: the system chain), tenant administrators only their own (another tenant is 404)",
        },
        "AuditFrom": {
            "name": "from", "in": "query", "required": false, "schema": {"type": "string", "format": "date-time"},
            "description": "この日時以降（含む）。タイムゾーン付きの ISO 8601（例 2026-05-01T00:00:00Z。+09:00 は %2B09:00 と URL エンコード） / From this instant, inclusive; ISO 8601 with offset",
        },
        "AuditUntil": {
            "name": "until", "in": "query", "required": false, "schema": {"type": "string", "format": "date-time"},
            "description": "この日時より前（含まない） / Until this instant, exclusive",
        },
        "AuditFormat": {
            "name": "format", "in": "query", "required": false,
            "schema": {"type": "string", "enum": ["json", "jsonl", "csv"], "default": "json"},
            "description": "出力形式: json = application/json の配列、jsonl = application/x-ndjson（1行1記録）、csv = text/csv（UTF-8 BOM 付き、日本語の見出し行、CRLF） / Output format",
        },
        "AuditLimit": {
            "name": "limit", "in": "query", "required": false,
            "schema": {"type": "integer", "format": "int64"},
            "description": "古い順に最大この件数（1〜100000 に丸める。省略時は全件） / At most this many entries, oldest first (clamped to 1-100000; all if omitted)",
        },
    })
}

fn components() -> Value {
    let mut schemas = Map::new();
    error_schemas(&mut schemas);
    model_schemas(&mut schemas);
    catalog_schemas(&mut schemas);
    request_schemas(&mut schemas);
    json!({
        "schemas": schemas,
        "parameters": parameters(),
        "headers": {
            "RetryAfter": {
                "description": "再試行までの秒数（1以上） / Seconds to wait before retrying",
                "schema": {"type": "integer", "minimum": 1},
            },
        },
        "securitySchemes": {
            "sessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "kijun_session",
                "description": "POST /auth/login が発行するセッション Cookie（HttpOnly, SameSite=Strict）。Secure Cookie の構成（TLS・secure_cookies）では名前が __Host-kijun_session になる。無操作30分・最長12時間（既定）で終了 / Session cookie set by login; named __Host-kijun_session when cookies are Secure",
            },
            "csrfToken": {
                "type": "apiKey",
                "in": "header",
                "name": "X-CSRF-Token",
                "description": "セッションで POST/PUT/DELETE を送るときに必須。値はログイン応答の csrf_token / Required with a session on unsafe methods: the login response's csrf_token",
            },
            "bearerToken": {
                "type": "http",
                "scheme": "bearer",
                "description": "API トークン（kijun_...）。Authorization ヘッダーがあればセッション Cookie は無視される。CSRF ヘッダーは不要 / API token; when present the cookie is ignored; no CSRF header needed",
            },
        },
    })
}

// ---------------------------------------------------------------------------
// Operations

/// What a handler requires of the caller (its extractor).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    /// No authentication.
    Anonymous,
    /// `PendingLogin`: a session whose password step passed; API tokens 403.
    Pending,
    /// `SignedIn`: MFA done; the password may still have to change.
    SignedIn,
    /// `Principal`: fully signed in.
    Full,
}

struct Op {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    tag: &'static str,
    summary: &'static str,
    description: &'static str,
    auth: Auth,
    /// Whether API tokens may call it (else only sessions).
    bearer: bool,
    params: Vec<Value>,
    /// Request body schema.
    body: Option<&'static str>,
    /// The success status and response.
    ok: (u16, Value),
    /// Handler-specific error codes per status, beside the extractors'.
    errors: Vec<(u16, Vec<&'static str>)>,
    /// Whether a 500 `internal` is possible.
    can_fail: bool,
}

fn json_response(description: &str, schema: Value) -> Value {
    json!({"description": description, "content": {"application/json": {"schema": schema}}})
}

fn array_of(name: &str) -> Value {
    json!({"type": "array", "items": schema_ref(name)})
}

#[allow(clippy::too_many_lines)]
fn ops() -> Vec<Op> {
    let user_ok = || {
        (
            200,
            json_response("更新後の利用者 / The updated user", schema_ref("User")),
        )
    };
    let managed = |id, summary, description| Op {
        method: "POST",
        path: match id {
            "suspendUser" => "/users/{id}/suspend",
            "reactivateUser" => "/users/{id}/reactivate",
            _ => "/users/{id}/unlock",
        },
        id,
        tag: "users",
        summary,
        description,
        auth: Auth::Full,
        bearer: true,
        params: vec![param_ref("UserId")],
        body: None,
        ok: user_ok(),
        errors: vec![
            (400, vec!["self"]),
            (403, vec!["forbidden"]),
            (404, vec!["not_found"]),
        ],
        can_fail: true,
    };
    vec![
        Op {
            method: "POST",
            path: "/setup",
            id: "setup",
            tag: "setup",
            summary: "最初のシステム管理者を作成 / Create the first system administrator",
            description: "利用者が一人もいないときだけ使える。kijun serve の初回起動時に表示される一回限りの初期設定トークンで、最初のシステム管理者を作成する。パスワードは既定のパスワード規則に従う。 / Only while no user exists: creates the first system administrator with the one-time setup token.",
            auth: Auth::Anonymous,
            bearer: false,
            params: vec![],
            body: Some("SetupRequest"),
            ok: (
                201,
                json_response(
                    "作成したシステム管理者 / The new administrator",
                    schema_ref("User"),
                ),
            ),
            errors: vec![
                (400, vec!["password_policy"]),
                (403, vec!["invalid_setup_token"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/auth/login",
            id: "login",
            tag: "auth",
            summary: "ログイン（パスワード） / Log in with a password",
            description: "パスワードを確認してセッションを開始し、セッション Cookie を設定する。応答の next が次の手続きを示す（mfa → POST /auth/mfa、mfa_enrollment → POST /auth/mfa/enroll、password_change → POST /me/password、done → 完了）。失敗の理由（存在しない・誤り・ロック中・停止中）は区別せず login_failed を返す。試行はアカウント名ごと・接続元ごとに回数制限され、超えると 429 と Retry-After。 / Checks the password, starts a session (Set-Cookie) and says what comes next. Failures are indistinguishable; attempts are rate-limited per account and per address.",
            auth: Auth::Anonymous,
            bearer: false,
            params: vec![],
            body: Some("LoginRequest"),
            ok: (
                200,
                json!({
                    "description": "パスワード確認済み / Password accepted",
                    "headers": {
                        "Set-Cookie": {
                            "description": "セッション Cookie: kijun_session=...; Path=/; HttpOnly; SameSite=Strict（Secure 構成では __Host-kijun_session と Secure） / The session cookie",
                            "schema": {"type": "string"},
                        },
                    },
                    "content": {"application/json": {"schema": schema_ref("LoginResponse")}},
                }),
            ),
            errors: vec![(401, vec!["login_failed"]), (429, vec!["rate_limited"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/auth/mfa",
            id: "verifyMfa",
            tag: "auth",
            summary: "多要素認証の確認コードを送る / Verify the second factor",
            description: "ログイン中のセッションで、認証アプリの確認コード (code) か回復コード (recovery_code) のどちらか一方を送る。失敗はアカウントロックの回数に数える。確認済みのセッションで呼ぶと何もせず next を返す。セッションのみ（API トークンは 403）。 / Sends a TOTP code or a recovery code (exactly one). Failures count towards lockout. Sessions only.",
            auth: Auth::Pending,
            bearer: false,
            params: vec![],
            body: Some("MfaRequest"),
            ok: (
                200,
                json_response("確認済み / Verified", schema_ref("MfaResult")),
            ),
            errors: vec![(401, vec!["invalid_code"]), (409, vec!["mfa_not_enrolled"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/auth/mfa/enroll",
            id: "enrollMfa",
            tag: "auth",
            summary: "TOTP の登録を開始 / Start TOTP enrolment",
            description: "新しい TOTP の秘密、otpauth URI、QR コード (SVG) と、確認に使う enrollment_token を返す（10分有効）。登録済みの利用者が再登録するには、先に POST /auth/mfa で確認する必要がある（未確認なら 403 mfa_required）。本文なし。セッションのみ。 / Returns a new secret, its URI and QR code, and a token for the confirmation. Re-enrolment requires the enrolled factor first. No body. Sessions only.",
            auth: Auth::Pending,
            bearer: false,
            params: vec![],
            body: None,
            ok: (
                200,
                json_response(
                    "登録の開始 / Enrolment started",
                    schema_ref("MfaEnrollment"),
                ),
            ),
            errors: vec![(403, vec!["mfa_required"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/auth/mfa/enroll/confirm",
            id: "confirmMfaEnrollment",
            tag: "auth",
            summary: "TOTP の登録を完了 / Confirm TOTP enrolment",
            description: "最初の確認コードで登録を完了し、このセッションを多要素認証済みにする。回復コード10個をこの応答でのみ返す。セッションのみ。 / Completes enrolment with a first code; returns the recovery codes, shown once. Sessions only.",
            auth: Auth::Pending,
            bearer: false,
            params: vec![],
            body: Some("MfaConfirmRequest"),
            ok: (
                200,
                json_response("登録完了 / Enrolled", schema_ref("MfaConfirmResult")),
            ),
            errors: vec![
                (400, vec!["invalid_enrollment"]),
                (401, vec!["invalid_code"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/auth/logout",
            id: "logout",
            tag: "auth",
            summary: "ログアウト / Log out",
            description: "セッションを削除し、Cookie を消す。本文なし。セッションのみ。 / Ends the session and clears the cookie. No body. Sessions only.",
            auth: Auth::Pending,
            bearer: false,
            params: vec![],
            body: None,
            ok: (
                204,
                json!({
                    "description": "ログアウトした / Logged out",
                    "headers": {
                        "Set-Cookie": {
                            "description": "セッション Cookie の削除 (Max-Age=0) / Clears the session cookie",
                            "schema": {"type": "string"},
                        },
                    },
                }),
            ),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/me",
            id: "getMe",
            tag: "me",
            summary: "自分のアカウント / The caller's own account",
            description: "自分の利用者情報、実際に働く役割とテナント、パスワード変更の要否、パスワード規則の説明を返す。パスワード変更が必要な間も使える。 / The caller, its effective role and tenant, whether the password must change, and the password rules. Answers while a password change is due.",
            auth: Auth::SignedIn,
            bearer: true,
            params: vec![],
            body: None,
            ok: (
                200,
                json_response("自分のアカウント / The caller", schema_ref("Me")),
            ),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/me/password",
            id: "changePassword",
            tag: "me",
            summary: "パスワードの変更 / Change the password",
            description: "現在のパスワードを確認し、テナントのパスワード規則（履歴を含む）に従う新しいパスワードに変える。違反はすべてまとめて password_policy で返す。セッションのみ（API トークンは 403）。 / Checks the current password and sets a new one per the tenant's policy (every violation at once). Sessions only.",
            auth: Auth::SignedIn,
            bearer: false,
            params: vec![],
            body: Some("PasswordChangeRequest"),
            ok: (204, json!({"description": "変更した / Changed"})),
            errors: vec![
                (400, vec!["wrong_password", "password_policy"]),
                (403, vec!["forbidden"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants",
            id: "listTenants",
            tag: "tenants",
            summary: "テナントの一覧 / List tenants",
            description: "見えるテナントの一覧（slug 順）。システム管理者はすべて、それ以外は自テナントのみ。 / Visible tenants by slug: all for system administrators, else the caller's own.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: None,
            ok: (200, json_response("テナント / Tenants", array_of("Tenant"))),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/tenants",
            id: "createTenant",
            tag: "tenants",
            summary: "テナントの作成 / Create a tenant",
            description: "システム管理者のみ。slug が使用済みなら 409。 / System administrators only; a taken slug is 409.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: Some("NewTenantRequest"),
            ok: (
                201,
                json_response("作成したテナント / The new tenant", schema_ref("Tenant")),
            ),
            errors: vec![(403, vec!["forbidden"]), (409, vec!["conflict"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}",
            id: "getTenant",
            tag: "tenants",
            summary: "テナントの取得 / Get a tenant",
            description: "他テナントは存在しない場合と同じく 404。 / Another tenant answers 404, like a missing one.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: None,
            ok: (
                200,
                json_response("テナント / The tenant", schema_ref("Tenant")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/settings",
            id: "getTenantSettings",
            tag: "tenants",
            summary: "テナントのセキュリティ設定の取得 / Get a tenant's security settings",
            description: "システム管理者と、そのテナントのテナント管理者のみ。未設定なら既定値。 / System administrators and the tenant's administrators; defaults if never set.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: None,
            ok: (
                200,
                json_response("設定 / The settings", schema_ref("TenantSettings")),
            ),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/tenants/{id}/settings",
            id: "putTenantSettings",
            tag: "tenants",
            summary: "テナントのセキュリティ設定の変更 / Replace a tenant's security settings",
            description: "設定全体を置き換える（省略した項目は既定値に戻る）。パスワードの最小文字数は8以上。多要素認証の免除 (mfa_exempt_allowed) は閉域網運用のサーバーでのみ許可できる。変更は監査ログに記録される。システム管理者と、そのテナントのテナント管理者のみ。 / Replaces the whole settings (omitted fields revert to defaults); min_length at least 8; MFA exemption only on a closed-network server.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: Some("TenantSettingsUpdate"),
            ok: (
                200,
                json_response(
                    "保存した設定 / The stored settings",
                    schema_ref("TenantSettings"),
                ),
            ),
            errors: vec![
                (400, vec!["mfa_exemption_not_allowed"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/users",
            id: "listTenantUsers",
            tag: "users",
            summary: "テナントの利用者の一覧 / List a tenant's users",
            description: "システム管理者、そのテナントのテナント管理者と審査担当者のみ。 / System administrators, and the tenant's administrators and reviewers.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: None,
            ok: (200, json_response("利用者 / Users", array_of("User"))),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/tenants/{id}/users",
            id: "createTenantUser",
            tag: "users",
            summary: "テナントの利用者の作成 / Create a tenant user",
            description: "役割は tenant_admin / reviewer / viewer のいずれか。初期パスワードはテナントのパスワード規則に従い、利用者は初回ログインで変更を求められる。ユーザー名が使用済みなら 409。システム管理者と、そのテナントのテナント管理者のみ。 / Role tenant_admin, reviewer or viewer; the user must change the initial password at first login; a taken username is 409.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: Some("NewTenantUserRequest"),
            ok: (
                201,
                json_response("作成した利用者 / The new user", schema_ref("User")),
            ),
            errors: vec![
                (400, vec!["password_policy"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/users/{id}",
            id: "getUser",
            tag: "users",
            summary: "利用者の取得 / Get a user",
            description: "自分自身、管理するテナントの利用者（システム管理者はすべて）。それ以外は 404。 / Oneself, or a user of a tenant the caller administers (system administrators: anyone); else 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("UserId")],
            body: None,
            ok: (200, json_response("利用者 / The user", schema_ref("User"))),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        managed(
            "suspendUser",
            "利用者の停止 / Suspend a user",
            "直ちに利用を停止する。その利用者のセッションは終了し、API トークンは失効する。自分自身は不可。 / Suspends at once: sessions end and API tokens are revoked. Not oneself.",
        ),
        managed(
            "reactivateUser",
            "利用者の再開 / Reactivate a user",
            "停止を解除する（失効した API トークンは戻らない）。自分自身は不可。 / Lifts a suspension (revoked tokens stay revoked). Not oneself.",
        ),
        managed(
            "unlockUser",
            "ロックの解除 / Unlock a user",
            "ログイン失敗によるロックを解除し、失敗回数を0に戻す。自分自身は不可。 / Clears a lockout and the failure count. Not oneself.",
        ),
        Op {
            method: "PUT",
            path: "/users/{id}/role",
            id: "setUserRole",
            tag: "users",
            summary: "役割の変更 / Change a user's role",
            description: "テナントの利用者は tenant_admin / reviewer / viewer の間でのみ変更できる。自分自身は不可。 / Tenant users move between tenant_admin, reviewer and viewer only. Not oneself.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("UserId")],
            body: Some("RoleChangeRequest"),
            ok: user_ok(),
            errors: vec![
                (400, vec!["self"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/users/{id}/mfa-exempt",
            id: "setUserMfaExempt",
            tag: "users",
            summary: "多要素認証の免除の設定 / Set a user's MFA exemption",
            description: "利用者を多要素認証から免除する（exempt: true）か、免除をやめる（false）。免除は、閉域網運用（closed_network = true）のサーバーで、利用者のテナントの設定 mfa_exempt_allowed が true の場合だけ設定できる（それ以外は 400 mfa_exemption_not_allowed）。自分自身は不可。 / Exempts a user from MFA or lifts the exemption; exempting needs a closed-network server and a tenant that allows it. Not oneself.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("UserId")],
            body: Some("MfaExemptionRequest"),
            ok: user_ok(),
            errors: vec![
                (400, vec!["self", "mfa_exemption_not_allowed"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/organisations",
            id: "listOrganisations",
            tag: "organisations",
            summary: "事業者の組織の一覧 / List vendor organisations",
            description: "システム管理者・テナント管理者・審査担当者はすべて、事業者は自分の組織だけ、閲覧者は空の一覧。 / All for administrators and reviewers, their own for vendors, none for viewers.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: None,
            ok: (
                200,
                json_response("組織 / Organisations", array_of("Organisation")),
            ),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/organisations",
            id: "createOrganisation",
            tag: "organisations",
            summary: "事業者の組織の登録 / Register a vendor organisation",
            description: "システム管理者とテナント管理者のみ。名称が使用済みなら 409。 / System and tenant administrators only; a taken name is 409.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: Some("NewOrganisationRequest"),
            ok: (
                201,
                json_response(
                    "登録した組織 / The new organisation",
                    schema_ref("Organisation"),
                ),
            ),
            errors: vec![(403, vec!["forbidden"]), (409, vec!["conflict"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/organisations/{id}/users",
            id: "createVendorUser",
            tag: "organisations",
            summary: "事業者の利用者の作成 / Create a vendor user",
            description: "組織に属する事業者 (vendor) の利用者を作る。テナントには属さず、評価に招かれるまでどのテナントの情報も見えない。初期パスワードは既定のパスワード規則に従い、初回ログインで変更を求められる。ユーザー名が使用済みなら 409。システム管理者とテナント管理者のみ。 / Creates a vendor user of the organisation, with no tenant; the initial password follows the default policy and must be changed at first login.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("OrganisationId")],
            body: Some("NewVendorUserRequest"),
            ok: (
                201,
                json_response("作成した利用者 / The new user", schema_ref("User")),
            ),
            errors: vec![
                (400, vec!["password_policy"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tokens",
            id: "listTokens",
            tag: "tokens",
            summary: "自分の API トークンの一覧 / List the caller's API tokens",
            description: "失効・期限切れのものも含む。秘密の値は含まない。 / Including revoked and expired ones, without secrets.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: None,
            ok: (
                200,
                json_response("API トークン / API tokens", array_of("ApiToken")),
            ),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/tokens",
            id: "createToken",
            tag: "tokens",
            summary: "API トークンの作成 / Create an API token",
            description: "自分の API トークンを作る。役割は自分より強くできず、テナントは自分のテナント（システム管理者は任意のテナントの tenant_admin / reviewer / viewer）。秘密の値 token はこの応答でのみ返す。セッションのみ（API トークンで API トークンは作れない）。 / Creates an API token no stronger than the caller, in the caller's tenant; the secret is shown once. Sessions only.",
            auth: Auth::Full,
            bearer: false,
            params: vec![],
            body: Some("NewTokenRequest"),
            ok: (
                201,
                json_response(
                    "作成した API トークン / The new token",
                    schema_ref("CreatedApiToken"),
                ),
            ),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "DELETE",
            path: "/tokens/{id}",
            id: "revokeToken",
            tag: "tokens",
            summary: "API トークンの失効 / Revoke an API token",
            description: "自分のトークン（システム管理者はすべて）を失効させる。他人のものは 404。失効済みでも 204。 / Revokes one of the caller's tokens (system administrators: any); others are 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TokenId")],
            body: None,
            ok: (204, json!({"description": "失効した / Revoked"})),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/catalogs",
            id: "listCatalogs",
            tag: "catalogs",
            summary: "基準カタログの一覧 / List the criteria catalogs",
            description: "サーバーが読み込んだ基準カタログ（組み込みと運用者の独自カタログ）の概要。ログインした利用者なら誰でも読める。 / The catalogs the server loaded, in brief; readable by every signed-in user.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: None,
            ok: (
                200,
                json_response("カタログ / Catalogs", array_of("CatalogSummary")),
            ),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/catalogs/{id}",
            id: "getCatalog",
            tag: "catalogs",
            summary: "基準カタログの取得 / Get a criteria catalog",
            description: "要求事項をすべて含むカタログ。 / One catalog with every requirement.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("CatalogId")],
            body: None,
            ok: (
                200,
                json_response("カタログ / The catalog", schema_ref("Catalog")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/audit",
            id: "exportAudit",
            tag: "audit",
            summary: "監査ログの取得・エクスポート / Read or export the audit log",
            description: "一つのチェーン（テナント、またはテナントに属さない system）の記録を古い順に返す。形式は format パラメータで選ぶ（Accept ヘッダーではない）。システム管理者は任意のチェーン、テナント管理者は自テナントのみ、その他の役割は 403。取得したこと自体が audit_exported として記録される。 / One chain's entries, oldest first, in the format the `format` parameter names. System administrators: any chain; tenant administrators: their own; others 403. Each export is itself logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("AuditTenantId"),
                param_ref("AuditFrom"),
                param_ref("AuditUntil"),
                param_ref("AuditFormat"),
                param_ref("AuditLimit"),
            ],
            body: None,
            ok: (
                200,
                json!({
                    "description": "監査ログの記録 / Audit entries",
                    "content": {
                        "application/json": {"schema": array_of("AuditEntry")},
                        "application/x-ndjson": {
                            "schema": {
                                "type": "string",
                                "description": "1行に1つの AuditEntry（JSON）、各行は LF で終わる / One AuditEntry as JSON per line, LF-terminated",
                            },
                        },
                        "text/csv": {
                            "schema": {
                                "type": "string",
                                "description": "UTF-8（BOM 付き、Excel で開ける）、CRLF 区切り。見出し行: 連番,日時(UTC),テナント,操作者ID,操作者,操作,対象,接続元,詳細,前ハッシュ,ハッシュ / UTF-8 with BOM, CRLF, Japanese header row",
                            },
                            "example": "連番,日時(UTC),テナント,操作者ID,操作者,操作,対象,接続元,詳細,前ハッシュ,ハッシュ\r\n",
                        },
                    },
                }),
            ),
            // `invalid_field`: a malformed `from`, `until` or `format`.
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/openapi.json",
            id: "getOpenApi",
            tag: "meta",
            summary: "この API 定義 (OpenAPI 3.1) / This API description",
            description: "この OpenAPI 3.1 文書。認証不要。 / This OpenAPI 3.1 document. No authentication.",
            auth: Auth::Anonymous,
            bearer: false,
            params: vec![],
            body: None,
            ok: (
                200,
                json_response(
                    "OpenAPI 文書 / The OpenAPI document",
                    json!({"type": "object"}),
                ),
            ),
            errors: vec![],
            can_fail: false,
        },
    ]
}

fn is_unsafe(method: &str) -> bool {
    !matches!(method, "GET" | "HEAD" | "OPTIONS")
}

/// Every error code the operation can answer, per status: from its JSON
/// body extractor, its authentication extractor and its handler.
fn error_codes(op: &Op) -> BTreeMap<u16, Vec<&'static str>> {
    let mut codes: BTreeMap<u16, Vec<&'static str>> = BTreeMap::new();
    let mut add = |status: u16, list: &[&'static str]| {
        let entry = codes.entry(status).or_default();
        for code in list {
            if !entry.contains(code) {
                entry.push(code);
            }
        }
    };
    if op.body.is_some() {
        add(
            400,
            &[
                "invalid_json",
                "unknown_field",
                "missing_field",
                "invalid_field",
                "bad_request",
            ],
        );
        add(413, &["payload_too_large"]);
        add(415, &["unsupported_media_type"]);
    }
    if op.auth != Auth::Anonymous {
        add(401, &["unauthenticated", "session_expired"]);
        if is_unsafe(op.method) {
            add(403, &["csrf"]);
        }
    }
    match op.auth {
        Auth::Anonymous => {}
        // API tokens are refused by the extractor.
        Auth::Pending => add(403, &["forbidden"]),
        Auth::SignedIn => add(401, &["mfa_required"]),
        Auth::Full => {
            add(401, &["mfa_required"]);
            add(403, &["password_change_required"]);
        }
    }
    for (status, list) in &op.errors {
        add(*status, list);
    }
    if op.can_fail {
        add(500, &["internal"]);
    }
    codes
}

fn status_text(status: u16) -> &'static str {
    match status {
        400 => "リクエストが不正 / Bad request",
        401 => "認証されていない / Unauthenticated",
        403 => "許可されない / Forbidden",
        404 => "見つからない（他テナントの対象を含む） / Not found (or another tenant's)",
        409 => "競合 / Conflict",
        413 => "本文が大きすぎる / Payload too large",
        415 => "Content-Type が application/json ではない / Unsupported media type",
        429 => "試行が多すぎる / Too many requests",
        500 => "サーバー内部のエラー / Internal server error",
        _ => "エラー / Error",
    }
}

fn error_response(status: u16, codes: &[&str]) -> Value {
    let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
    let mut response = json!({
        "description": format!("{} — {}", status_text(status), listed.join(", ")),
        "content": {"application/json": {"schema": schema_ref("Error")}},
        "x-error-codes": codes,
    });
    if status == 429 {
        response = with(
            response,
            "headers",
            json!({"Retry-After": {"$ref": "#/components/headers/RetryAfter"}}),
        );
    }
    response
}

fn security(op: &Op) -> Value {
    let session = if is_unsafe(op.method) {
        json!({"sessionCookie": [], "csrfToken": []})
    } else {
        json!({"sessionCookie": []})
    };
    match (op.auth, op.bearer) {
        (Auth::Anonymous, _) => json!([]),
        (_, true) => json!([session, {"bearerToken": []}]),
        (_, false) => json!([session]),
    }
}

fn operation(op: &Op) -> Value {
    let mut responses = Map::new();
    responses.insert(op.ok.0.to_string(), op.ok.1.clone());
    for (status, codes) in error_codes(op) {
        responses.insert(status.to_string(), error_response(status, &codes));
    }
    let mut o = Map::new();
    o.insert("operationId".into(), json!(op.id));
    o.insert("tags".into(), json!([op.tag]));
    o.insert("summary".into(), json!(op.summary));
    o.insert("description".into(), json!(op.description));
    o.insert("security".into(), security(op));
    if !op.params.is_empty() {
        o.insert("parameters".into(), json!(op.params));
    }
    if let Some(body) = op.body {
        o.insert(
            "requestBody".into(),
            json!({
                "required": true,
                "content": {"application/json": {"schema": schema_ref(body)}},
            }),
        );
    }
    o.insert("responses".into(), Value::Object(responses));
    Value::Object(o)
}

fn tags() -> Value {
    json!([
        {"name": "setup", "description": "初期設定 / First-run setup"},
        {"name": "auth", "description": "ログイン・多要素認証・ログアウト / Login, MFA and logout"},
        {"name": "me", "description": "自分のアカウント / The caller's own account"},
        {"name": "tenants", "description": "テナントとセキュリティ設定 / Tenants and their security settings"},
        {"name": "users", "description": "利用者の管理 / User administration"},
        {"name": "organisations", "description": "事業者の組織と利用者 / Vendor organisations and their users"},
        {"name": "tokens", "description": "API トークン / API tokens"},
        {"name": "catalogs", "description": "基準カタログ / Criteria catalogs"},
        {"name": "audit", "description": "監査ログ / Audit log"},
        {"name": "meta", "description": "API 定義 / API description"},
    ])
}

/// The OpenAPI 3.1 document of the JSON API, paths relative to `/api/v1`.
pub fn document() -> Value {
    let mut paths = Map::new();
    for op in ops() {
        let item = paths
            .entry(op.path.to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(item) = item {
            item.insert(op.method.to_ascii_lowercase(), operation(&op));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "kijun API",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": "kijun の JSON API / The kijun JSON API",
            "description": "認証: ログインで得たセッション Cookie（POST/PUT/DELETE では X-CSRF-Token ヘッダーも）、または API トークン (Authorization: Bearer)。エラーはすべて {\"error\": {\"code\", \"message\", \"field\"?}} の形で返る。他テナントの対象は存在しない場合と同じく 404。日時はすべて UTC の ISO 8601。手引き: docs/api.md / Authentication: the login session cookie (plus X-CSRF-Token on unsafe methods) or an API token as a bearer token. Every error has the one Error shape. Another tenant's objects answer 404. Timestamps are ISO 8601 UTC.",
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        "servers": [{"url": BASE, "description": "kijun の JSON API / The JSON API"}],
        "tags": tags(),
        "paths": paths,
        "components": components(),
    })
}

/// Every operation of [`document`]: (method in upper case, full path under
/// `/api/v1`, e.g. `("GET", "/api/v1/tenants/{id}")`).
pub fn operations() -> Vec<(&'static str, String)> {
    ops()
        .into_iter()
        .map(|op| (op.method, format!("{BASE}{}", op.path)))
        .collect()
}

/// `GET /api/v1/openapi.json`.
pub async fn handler() -> axum::Json<Value> {
    axum::Json(document())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    const METHODS: [&str; 8] = [
        "get", "put", "post", "delete", "options", "head", "patch", "trace",
    ];

    /// (method, path, operation) of every operation in the document.
    fn doc_operations(doc: &Value) -> Vec<(String, String, Value)> {
        let mut out = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                if let Some(item) = item.as_object() {
                    for (method, op) in item {
                        if METHODS.contains(&method.as_str()) {
                            out.push((method.clone(), path.clone(), op.clone()));
                        }
                    }
                }
            }
        }
        out
    }

    fn collect_refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "$ref"
                        && let Some(r) = v.as_str()
                    {
                        out.push(r.to_owned());
                    }
                    collect_refs(v, out);
                }
            }
            Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
            _ => {}
        }
    }

    #[test]
    fn the_document_is_openapi_3_1_json() -> Result<(), serde_json::Error> {
        let doc = document();
        let text = serde_json::to_string_pretty(&doc)?;
        let back: Value = serde_json::from_str(&text)?;
        assert_eq!(back, doc);
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["info"]["title"], "kijun API");
        assert_eq!(doc["info"]["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(doc["servers"][0]["url"], "/api/v1");
        assert!(doc["paths"].as_object().is_some_and(|p| !p.is_empty()));
        Ok(())
    }

    #[test]
    fn every_operation_has_a_unique_id_tags_and_a_bilingual_summary() {
        let doc = document();
        let declared_tags: BTreeSet<&str> = doc["tags"]
            .as_array()
            .map(|t| t.iter().filter_map(|t| t["name"].as_str()).collect())
            .unwrap_or_default();
        let mut ids = BTreeSet::new();
        for (method, path, op) in doc_operations(&doc) {
            let id = op["operationId"].as_str().unwrap_or_default();
            assert!(!id.is_empty(), "{method} {path}: no operationId");
            assert!(ids.insert(id.to_owned()), "duplicate operationId {id}");
            let tags = op["tags"].as_array().cloned().unwrap_or_default();
            assert!(!tags.is_empty(), "{id}: no tags");
            for tag in tags {
                assert!(
                    tag.as_str().is_some_and(|t| declared_tags.contains(t)),
                    "{id}: undeclared tag {tag}"
                );
            }
            let summary = op["summary"].as_str().unwrap_or_default();
            assert!(summary.contains(" / "), "{id}: summary not bilingual");
            assert!(op["security"].is_array(), "{id}: no security");
            assert!(op["responses"].is_object(), "{id}: no responses");
        }
        assert_eq!(ids.len(), ops().len());
    }

    #[test]
    fn every_ref_resolves_to_a_component() {
        let doc = document();
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for r in refs {
            assert!(r.starts_with("#/components/"), "external ref {r}");
            let pointer = r.trim_start_matches('#');
            assert!(doc.pointer(pointer).is_some(), "dangling ref {r}");
        }
    }

    #[test]
    fn security_requirements_name_declared_schemes() {
        let doc = document();
        let schemes = &doc["components"]["securitySchemes"];
        for (method, path, op) in doc_operations(&doc) {
            let alternatives = op["security"].as_array().cloned().unwrap_or_default();
            for requirement in &alternatives {
                for name in requirement.as_object().into_iter().flat_map(|o| o.keys()) {
                    assert!(schemes.get(name).is_some(), "{method} {path}: {name}");
                }
            }
            let anonymous = alternatives.is_empty();
            let public = matches!(path.as_str(), "/setup" | "/auth/login" | "/openapi.json");
            assert_eq!(
                anonymous, public,
                "{method} {path}: anonymous = {anonymous}"
            );
            if method != "get" {
                for requirement in &alternatives {
                    if requirement.get("sessionCookie").is_some() {
                        assert!(
                            requirement.get("csrfToken").is_some(),
                            "{method} {path}: session without CSRF"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_operation_lists_a_4xx_with_the_shared_error_body() {
        let doc = document();
        let error = "#/components/schemas/Error";
        for (method, path, op) in doc_operations(&doc) {
            if path == "/openapi.json" {
                // The document itself: nothing the client sends can fail.
                continue;
            }
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            let client_errors: Vec<&Value> = responses
                .iter()
                .filter(|(status, _)| status.starts_with('4'))
                .map(|(_, r)| r)
                .collect();
            assert!(!client_errors.is_empty(), "{method} {path}: no 4xx");
            for (status, response) in &responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"], error,
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }

    #[test]
    fn error_codes_are_documented_and_match_their_statuses() {
        let doc = document();
        let documented: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["oneOf"]
            .as_array()
            .map(|v| v.iter().filter_map(|c| c["const"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(documented.len(), ERROR_CODES.len());
        let mut used = BTreeSet::new();
        for (method, path, op) in doc_operations(&doc) {
            let responses = op["responses"].as_object().cloned().unwrap_or_default();
            for (status, response) in responses {
                let Some(codes) = response["x-error-codes"].as_array() else {
                    continue;
                };
                let status: u16 = status.parse().unwrap_or_default();
                assert!(!codes.is_empty(), "{method} {path} {status}: no codes");
                for code in codes {
                    let code = code.as_str().unwrap_or_default();
                    let entry = ERROR_CODES.iter().find(|(c, ..)| *c == code);
                    assert!(
                        entry.is_some_and(|(_, statuses, ..)| statuses.contains(&status)),
                        "{method} {path}: `{code}` with {status}"
                    );
                    used.insert(code.to_owned());
                }
                if status == 429 {
                    assert!(response["headers"]["Retry-After"].is_object());
                }
            }
        }
        for (code, ..) in ERROR_CODES {
            assert!(used.contains(*code), "`{code}` is used by no operation");
        }
    }

    #[test]
    fn request_bodies_are_closed_objects_with_declared_required_fields() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let mut bodies = 0;
        for (method, path, op) in doc_operations(&doc) {
            let body = &op["requestBody"];
            if body.is_null() {
                continue;
            }
            bodies += 1;
            assert_eq!(body["required"], true);
            let r = body["content"]["application/json"]["schema"]["$ref"]
                .as_str()
                .unwrap_or_default();
            let name = r.trim_start_matches("#/components/schemas/");
            let schema = &schemas[name];
            assert_eq!(schema["type"], "object", "{method} {path}");
            assert_eq!(schema["additionalProperties"], false, "{method} {path}");
            for field in schema["required"].as_array().cloned().unwrap_or_default() {
                let field = field.as_str().unwrap_or_default();
                assert!(
                    schema["properties"].get(field).is_some(),
                    "{name}: required `{field}` not a property"
                );
            }
        }
        assert!(bodies > 0);
        for nested in ["PasswordPolicyUpdate", "LockoutPolicyUpdate"] {
            assert_eq!(schemas[nested]["additionalProperties"], false);
        }
    }

    #[test]
    fn path_templates_have_path_parameters() {
        let doc = document();
        for (method, path, op) in doc_operations(&doc) {
            let templated = path.contains("{id}");
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has_id = params.iter().any(|p| {
                p["$ref"]
                    .as_str()
                    .and_then(|r| doc.pointer(r.trim_start_matches('#')))
                    .is_some_and(|p| p["name"] == "id" && p["in"] == "path")
            });
            assert_eq!(templated, has_id, "{method} {path}");
        }
    }

    #[test]
    fn operations_match_the_paths_object() {
        let doc = document();
        let listed = operations();
        let from_list: BTreeSet<(String, String)> = listed
            .iter()
            .map(|(m, p)| (m.to_string(), p.clone()))
            .collect();
        assert_eq!(from_list.len(), listed.len(), "duplicate operation");
        let from_doc: BTreeSet<(String, String)> = doc_operations(&doc)
            .into_iter()
            .map(|(m, p, _)| (m.to_ascii_uppercase(), format!("/api/v1{p}")))
            .collect();
        assert_eq!(from_list, from_doc);
        assert!(from_list.contains(&("GET".to_owned(), "/api/v1/openapi.json".to_owned())));
        assert!(from_list.contains(&("GET".to_owned(), "/api/v1/tenants/{id}".to_owned())));
        assert_eq!(listed.len(), 31);
    }
}

/// The router serves every operation of the document, and the document at
/// `/api/v1/openapi.json`.
#[cfg(test)]
mod route_check {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use tower::ServiceExt;

    use crate::{Server, ServerConfig};

    #[tokio::test]
    async fn every_documented_operation_is_routed() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = ServerConfig {
            data_dir: dir.path().to_path_buf(),
            ..ServerConfig::default()
        };
        let server = Server::prepare(config, kijun_core::CatalogSet::default()).await?;
        let app = crate::router(server.state.clone());
        let probes = super::operations().into_iter().map(|op| (op, true)).chain([
            (("PATCH", "/api/v1/tenants".to_owned()), false),
            (("GET", "/api/v1/undocumented".to_owned()), false),
        ]);
        for ((method, path), documented) in probes {
            let uri = path.replace("{id}", "x");
            let req = Request::builder()
                .method(method)
                .uri(&uri)
                .body(Body::empty())?;
            let status = app.clone().oneshot(req).await?.status();
            // Unauthenticated probes answer 401 (or 415, 200); an unrouted
            // path answers the fallback's 404, an unrouted method 405.
            let routed =
                status != StatusCode::NOT_FOUND && status != StatusCode::METHOD_NOT_ALLOWED;
            assert_eq!(routed, documented, "{method} {uri}: {status}");
        }
        let req = Request::builder()
            .uri("/api/v1/openapi.json")
            .body(Body::empty())?;
        let res = app.oneshot(req).await?;
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(res.into_body(), 10_000_000).await?;
        let served: serde_json::Value = serde_json::from_slice(&bytes)?;
        assert_eq!(served, super::document());
        Ok(())
    }
}
