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
//! tests: `route_check` runs the real router, and the schema tests check
//! the service, assessment and evidence schemas against the Rust types they
//! describe (the request structs, `kijun_core`'s values and `kijun_store`'s
//! records and evidence allow-list).

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
        "unanswered_items",
        &[400],
        "提出しようとした項目に未回答のものがある（すべて回答してから提出する。message に件数）",
        "Some items to submit have no answer; answer every one first (the message gives the count)",
    ),
    (
        "unconfirmed_prefill",
        &[400],
        "提出しようとした項目に、回答マスタから補完されたまま確認（保存）されていない回答がある（message に件数）。内容を確かめて保存してから提出する",
        "Some items to submit hold answers pre-filled from the answer library that the vendor has not confirmed (saved) yet; review and save them first (the message gives the count)",
    ),
    (
        "verdict_not_supported",
        &[400],
        "回答の内容が裏付ける判定より良い判定は記録できない（field は verdict）",
        "The verdict is better than the answers support (`field` is verdict)",
    ),
    (
        "invalid_checklist",
        &[400],
        "記入済みチェックリストを取り込めない: xlsx でない、kijun のチェックリストでない、別の審査のもの、または行に問題がある。error.problems に各問題（シート・行・列・見出し・値・対処）がすべて入り、何も保存されていない",
        "The filled-in checklist is refused: not an xlsx file, not a kijun checklist, another assessment's, or rows with problems; error.problems lists each (sheet, row, column, heading, value, what to do); nothing was stored",
    ),
    (
        "invalid_evidence",
        &[400],
        "証跡ファイルを受け付けられない: 空のファイル、許可されていない種類（PDF・PNG・JPEG・.docx/.xlsx/.pptx（マクロなし）・UTF-8 のテキスト/CSV 以外）、または内容が Content-Type で申告した種類と一致しない",
        "The evidence file is refused: empty, of a type not allowed (PDF, PNG, JPEG, .docx/.xlsx/.pptx without macros, UTF-8 text/CSV), or its content does not match the declared Content-Type",
    ),
    (
        "invalid_csv",
        &[400],
        "CSV ファイルを取り込めない（UTF-8 でない、見出しの誤り、値の誤りなど）。problems に行・列・見出し・値・対処をすべて列挙し、何も保存しない",
        "The CSV file cannot be imported (not UTF-8, wrong headings or values); `problems` lists every row, column, heading and value, and nothing is stored",
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
        "対象が存在しない、または見る権限がない（他テナントのもの、招待されていない審査、他の対象者の項目）。両者は区別しない。未定義のパスも同じ",
        "Not found, or not visible to the caller (another tenant's, an assessment the vendor is not invited to, the other party's items): indistinguishable; also unknown paths",
    ),
    (
        "conflict",
        &[409],
        "既に存在する（テナントの slug、ユーザー名、組織名、審査への招待）、初期設定が完了済み、または審査の状態と合わない（判定済み、提出する項目がない）",
        "Already exists (tenant slug, username, organisation name, invitation), setup already done, or not possible in the assessment's state (already decided, nothing to submit)",
    ),
    (
        "mfa_not_enrolled",
        &[409],
        "多要素認証が未登録のまま確認コードを送った",
        "A code was sent but no second factor is enrolled",
    ),
    (
        "not_editable",
        &[409],
        "提出済み (submitted)・受理済み (accepted) の項目の回答は変更できない（差し戻されるまで）",
        "The item is submitted or accepted; its answer cannot change until it is returned",
    ),
    (
        "not_reviewable",
        &[409],
        "提出されていない項目（回答中 open・差戻し returned）は受理・差戻しできない",
        "The item is not submitted (open or returned), so it cannot be accepted or returned",
    ),
    (
        "invalid_transition",
        &[409],
        "終了手続の項目の状態、または完了（クローズ）済みの終了手続では、この操作はできない（確認済みの項目の再提出、未提出の項目の確認など）",
        "The termination item's state (or the closed case) does not allow the action, e.g. re-submitting a signed-off item or reviewing one not submitted",
    ),
    (
        "case_not_closable",
        &[409],
        "終了手続を完了できない: 確認済みでない必須項目がある、またはデータ消去証明書が記録されていない。error.problems に未了のもの（value は項目 ID または certificate）をすべて列挙する",
        "The termination case cannot close: required items are not signed off or the deletion certificate is missing; error.problems lists every one (value: the item id or `certificate`)",
    ),
    (
        "review_incomplete",
        &[409],
        "すべての項目を受理 (accepted) するまで、承認・条件付き承認は記録できない（不承認はいつでも記録できる）",
        "Approving needs every item accepted first (a rejection can be recorded at any time)",
    ),
    (
        "payload_too_large",
        &[413],
        "本文がサーバーの上限（max_body_bytes、既定 1 MiB。証跡ファイルは max_evidence_bytes、既定 20 MiB）を超えた",
        "The body exceeds the server's limit (max_body_bytes, 1 MiB by default; for evidence files max_evidence_bytes, 20 MiB by default)",
    ),
    (
        "unsupported_media_type",
        &[415],
        "JSON の本文を受け取る操作で Content-Type が application/json ではない（証跡ファイルの登録では 400 invalid_evidence）",
        "Content-Type is not application/json on an operation that takes a JSON body (evidence uploads answer 400 invalid_evidence)",
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
    (
        "evidence_tampered",
        &[500],
        "保存された証跡ファイルが改ざんされているか壊れている（暗号の検証、大きさまたは SHA-256 の照合に失敗）。内容は一切返さない。詳細はサーバーのログにのみ記録される",
        "The stored evidence file was tampered with or is corrupt (a chunk, its size or its SHA-256 failed to verify); none of it is returned; details go to the server log only",
    ),
    (
        "master_key_mismatch",
        &[503],
        "設定されたマスター鍵が、テナントのデータ鍵を包んだマスター鍵と一致しない（鍵ファイルまたは KIJUN_MASTER_KEY の誤り）。直すまで証跡ファイルの登録・取得はできない。管理者がサーバーの設定を確認する",
        "The configured master key is not the one that wrapped the tenant's data key (wrong key file or KIJUN_MASTER_KEY); evidence can be neither stored nor read until an administrator fixes the configuration",
    ),
    (
        "backup_unsupported",
        &[409],
        "PostgreSQL のデータベースは kijun のバックアップの対象外（pg_dump を使う）",
        "A PostgreSQL database is backed up with pg_dump, not by kijun",
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
        (
            "reassessment_months",
            json!({"type": "integer", "minimum": 1, "maximum": 120, "default": 12,
                   "description": "再審査の周期（月、1〜120）。最後の判定（Asia/Tokyo の日付）からこの月数が過ぎ、審査中の審査がないサービスをダッシュボードの reassessment_due に表示する / Months (1-120) between assessments of a service: the dashboard lists services whose last decision is at least this old and that have no open assessment"}),
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
                "reassessment_months",
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

fn integer(description: &str) -> Value {
    json!({"type": "integer", "minimum": 0, "description": description})
}

fn date(description: &str) -> Value {
    json!({"type": "string", "format": "date", "description": description})
}

fn nullable_date(description: &str) -> Value {
    json!({"type": ["string", "null"], "format": "date", "description": description})
}

/// `schema` with `description`, for a `$ref` that needs its own words.
fn described(schema: Value, description: &str) -> Value {
    with(schema, "description", json!(description))
}

/// Trimmed text of 1 to `max` characters, stored trimmed.
fn text(description: &str, max: u32) -> Value {
    json!({
        "type": "string",
        "minLength": 1,
        "maxLength": max,
        "description": format!("{description}: 前後の空白を除いて1〜{max}文字（空白を除いて保存） / 1-{max} characters after trimming, stored trimmed"),
    })
}

/// The service profile (`kijun_core::profile`, docs/profile.md). `input`:
/// as sent (every attribute optional, defaults for the rest, unknown names
/// refused); else as stored, every attribute present.
fn service_profile(input: bool) -> Value {
    let flag = |description: &str, default: bool| json!({"type": "boolean", "default": default, "description": description});
    let props = vec![
        (
            "ismap_registered",
            flag(
                "ISMAP クラウドサービスリストに登録されている / Listed in ISMAP",
                false,
            ),
        ),
        (
            "ismap_liu_registered",
            flag(
                "ISMAP-LIU クラウドサービスリストに登録されている / Listed in ISMAP-LIU",
                false,
            ),
        ),
        (
            "lgwan_asp",
            flag(
                "LGWAN-ASP として登録されている / Registered as an LGWAN-ASP",
                false,
            ),
        ),
        (
            "gov_cloud",
            flag(
                "ガバメントクラウド上で提供される / Runs on the Government Cloud",
                false,
            ),
        ),
        (
            "service_model",
            json!({"type": "string", "enum": ["saas", "paas", "iaas"], "default": "saas",
                   "description": "サービスモデル / Service model"}),
        ),
        (
            "handles_personal_info",
            flag("個人情報を取り扱う / Handles personal information", true),
        ),
        (
            "confidentiality_class",
            json!({"type": "integer", "minimum": 1, "maximum": 3, "default": 2,
                   "description": "取り扱う情報の最高機密性（機密性1〜3、3が最も高い） / Highest confidentiality class handled, 1-3"}),
        ),
        (
            "network_segment",
            json!({"type": "string", "enum": ["internet", "lgwan", "closed"], "default": "internet",
                   "description": "利用するネットワーク: internet = インターネット接続系, lgwan = LGWAN接続系, closed = 閉域網 / Network segment"}),
        ),
        (
            "subcontracting",
            flag("再委託がある / Work is subcontracted", true),
        ),
        (
            "remote_maintenance",
            flag(
                "事業者が遠隔で保守運用を行う / The vendor maintains the service remotely",
                true,
            ),
        ),
        (
            "provider_assigns_credentials",
            flag(
                "パスワード等の認証情報の割り当てを外部サービス提供者が行う / The provider assigns credentials",
                true,
            ),
        ),
        (
            "provider_key_management",
            flag(
                "外部サービス提供者が提供する鍵管理機能を利用する / The provider's key management is used",
                true,
            ),
        ),
    ];
    if input {
        object(
            "サービスプロファイル（docs/profile.md）。どの要求事項が誰に適用されるかを決める。省略した属性は既定値（厳しい側）。未知の属性・型の誤りは 400 invalid_field（field は profile.属性名） / Service profile; omitted attributes take their (demanding) defaults; unknown or ill-typed attributes are 400 invalid_field",
            &[],
            true,
            props,
        )
    } else {
        let required: Vec<&str> = props.iter().map(|(name, _)| *name).collect();
        object(
            "サービスプロファイル（すべての属性を含む） / Service profile, every attribute present",
            &required,
            false,
            props,
        )
    }
}

/// The service register and assessments (`routes/assessments.rs`, the
/// records of `kijun_store::assessment`, `kijun_core::service`,
/// `kijun_core::workflow` and `kijun_core::evaluate`).
#[allow(clippy::too_many_lines)]
fn assessment_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert("ServiceProfile".into(), service_profile(false));
    schemas.insert("ServiceProfileInput".into(), service_profile(true));
    schemas.insert(
        "Registration".into(),
        object(
            "登録番号と有効期限（ISMAP、ISMAP-LIU、LGWAN-ASP） / A registration with its number and validity",
            &["number"],
            true,
            vec![
                ("number", string("登録番号 / Registration number")),
                (
                    "valid_until",
                    with(
                        nullable_date("有効期限 (YYYY-MM-DD) / Valid until"),
                        "default",
                        Value::Null,
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "Certification".into(),
        object(
            "取得している認証（ISO/IEC 27001、27017、27018、SOC 2、CS ゴールドマーク、プライバシーマークなど） / A certification held",
            &["name", "issuer"],
            true,
            vec![
                (
                    "name",
                    string("認証の名称（空は不可） / Name of the certification, not blank"),
                ),
                ("issuer", string("認証機関 / Issuer")),
                (
                    "scope",
                    with(string("適用範囲 / Scope"), "default", json!("")),
                ),
                (
                    "valid_until",
                    nullable_date("有効期限 (YYYY-MM-DD) / Valid until"),
                ),
            ],
        ),
    );
    schemas.insert(
        "Subcontractor".into(),
        object(
            "再委託先。その再委託先（再々委託）を subcontractors に入れ子で持つ（全体で10階層まで） / A subcontractor, with its own subcontractors nested (10 levels at most)",
            &["name", "work", "security_officer", "personal_info_manager"],
            true,
            vec![
                (
                    "name",
                    string("再委託先事業者の名称（空は不可） / Subcontractor's name, not blank"),
                ),
                ("work", string("再委託の内容 / Subcontracted work")),
                (
                    "security_officer",
                    string("再委託先の情報セキュリティ責任者 / Information security officer"),
                ),
                (
                    "personal_info_manager",
                    string("再委託先の個人情報管理者 / Personal information manager"),
                ),
                (
                    "staff",
                    with(
                        string("再委託先の従事者の情報 / The staff involved"),
                        "default",
                        json!(""),
                    ),
                ),
                (
                    "subcontractors",
                    json!({"type": "array", "items": schema_ref("Subcontractor"), "default": [],
                           "description": "この再委託先からの再委託 / Its own subcontractors"}),
                ),
            ],
        ),
    );
    let registration = |description: &str| json!({"anyOf": [schema_ref("Registration"), {"type": "null"}], "default": null, "description": description});
    schemas.insert(
        "ServiceDetails".into(),
        object(
            "サービス台帳の詳細: 契約、データの保管場所、登録、認証、再委託の連鎖。すべて省略可能（省略は空）で、応答ではすべての項目が現れる。検査: 契約終了日は開始日以降、再委託は10階層まで、再委託先と認証の名称は空にできない（違反は 400 invalid_field、field は details） / Register details; every field optional (empty when omitted) and present in responses. Checked: contract end not before start, 10 subcontractor levels at most, names not blank",
            &[],
            true,
            vec![
                (
                    "contract_start",
                    with(
                        nullable_date("契約開始日 / Contract start"),
                        "default",
                        Value::Null,
                    ),
                ),
                (
                    "contract_end",
                    with(
                        nullable_date("契約終了日（開始日より前は不可） / Contract end, not before the start"),
                        "default",
                        Value::Null,
                    ),
                ),
                (
                    "data_locations",
                    with(
                        strings("データの保管場所（国・リージョン・データセンター） / Where the data is kept"),
                        "default",
                        json!([]),
                    ),
                ),
                (
                    "governing_law",
                    with(string("準拠法 / Governing law"), "default", json!("")),
                ),
                (
                    "court",
                    with(string("管轄裁判所 / Court of jurisdiction"), "default", json!("")),
                ),
                (
                    "ismap",
                    registration("ISMAP の登録 / ISMAP registration"),
                ),
                (
                    "ismap_liu",
                    registration("ISMAP-LIU の登録 / ISMAP-LIU registration"),
                ),
                (
                    "lgwan_asp",
                    registration("LGWAN-ASP の登録 / LGWAN-ASP registration"),
                ),
                (
                    "certifications",
                    json!({"type": "array", "items": schema_ref("Certification"), "default": [],
                           "description": "取得している認証 / Certifications held"}),
                ),
                (
                    "subcontractors",
                    json!({"type": "array", "items": schema_ref("Subcontractor"), "default": [],
                           "description": "再委託先（入れ子で再々委託） / Subcontractors, nested"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "Service".into(),
        object(
            "サービス台帳の1件（外部サービス） / A service of the register (an external service)",
            &[
                "id",
                "tenant_id",
                "name",
                "purpose",
                "department",
                "provider_org_id",
                "integrator_org_id",
                "details",
                "created_at",
                "updated_at",
            ],
            false,
            vec![
                ("id", string("サービス ID / Service id")),
                ("tenant_id", string("テナント / Tenant")),
                ("name", string("サービス名 / Name")),
                ("purpose", string("利用目的 / Purpose")),
                ("department", string("所管部署 / Department in charge")),
                (
                    "provider_org_id",
                    nullable_string(
                        "外部サービス提供者の組織 (kind = provider) / The provider's organisation",
                    ),
                ),
                (
                    "integrator_org_id",
                    nullable_string(
                        "導入事業者の組織 (kind = integrator) / The integrator's organisation",
                    ),
                ),
                (
                    "details",
                    object(
                        "プロファイルと台帳の詳細 / Profile and register details",
                        &["profile", "details"],
                        false,
                        vec![
                            ("profile", schema_ref("ServiceProfile")),
                            ("details", schema_ref("ServiceDetails")),
                        ],
                    ),
                ),
                ("created_at", timestamp("登録日時 (UTC) / Created at")),
                ("updated_at", timestamp("更新日時 (UTC) / Updated at")),
            ],
        ),
    );
    schemas.insert(
        "ServiceInput".into(),
        object(
            "サービスの登録・更新（更新では全体を置き換える） / A service as written; an update replaces the whole service",
            &["name", "purpose", "department"],
            true,
            vec![
                ("name", text("サービス名 / Name", 200)),
                ("purpose", text("利用目的 / Purpose", 2000)),
                ("department", text("所管部署 / Department in charge", 200)),
                (
                    "provider_org_id",
                    nullable_string("外部サービス提供者の組織 ID（種別 provider の組織。違えば 400 invalid_field）。招待できる提供者側の事業者をこの組織の利用者に限る / Organisation of kind provider; restricts provider invitations to its users"),
                ),
                (
                    "integrator_org_id",
                    nullable_string("導入事業者の組織 ID（種別 integrator の組織。違えば 400 invalid_field）。招待できる導入事業者側の事業者をこの組織の利用者に限る / Organisation of kind integrator; restricts integrator invitations to its users"),
                ),
                (
                    "profile",
                    with(schema_ref("ServiceProfileInput"), "default", json!({})),
                ),
                (
                    "details",
                    json!({"anyOf": [schema_ref("ServiceDetails"), {"type": "null"}], "default": null,
                           "description": "台帳の詳細（省略・null は空の詳細） / Register details; omitted or null: empty"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "AssessmentPhase".into(),
        string_enum(
            "審査の段階 / Phase assessed: selection = 選定, build = 導入・構築, operation = 運用・保守, termination = 更改・廃棄",
            &["selection", "build", "operation", "termination"],
        ),
    );
    schemas.insert(
        "Level".into(),
        string_enum(
            "求める程度 / Level: required = 必須, recommended = 推奨",
            &["required", "recommended"],
        ),
    );
    schemas.insert(
        "Verdict".into(),
        string_enum(
            "判定（良い順に approved > conditional > rejected） / Verdict, best first: approved = 承認, conditional = 条件付き承認, rejected = 不承認",
            &["approved", "conditional", "rejected"],
        ),
    );
    schemas.insert(
        "NewAssessmentRequest".into(),
        object(
            "審査の開始 / Opening an assessment",
            &["phase", "catalogs"],
            true,
            vec![
                ("phase", schema_ref("AssessmentPhase")),
                (
                    "catalogs",
                    json!({"type": "array", "items": {"type": "string"}, "minItems": 1, "uniqueItems": true,
                           "description": "審査に使う基準カタログの ID（1つ以上、重複不可。GET /catalogs） / Catalog ids, at least one, no duplicates"}),
                ),
                (
                    "due_date",
                    nullable_date("回答の期限 (YYYY-MM-DD) / Answers due by"),
                ),
            ],
        ),
    );
    schemas.insert(
        "Assessment".into(),
        object(
            "審査（テナントのスタッフと閲覧者への表示） / An assessment, as tenant staff and viewers see it",
            &[
                "id",
                "tenant_id",
                "service_id",
                "phase",
                "catalogs",
                "profile",
                "status",
                "due_date",
                "opened_by",
                "opened_at",
                "verdict",
                "decision",
                "updated_at",
            ],
            false,
            vec![
                ("id", string("審査 ID / Assessment id")),
                ("tenant_id", string("テナント / Tenant")),
                ("service_id", string("サービス / Service")),
                ("phase", schema_ref("AssessmentPhase")),
                ("catalogs", strings("基準カタログの ID / Catalog ids")),
                (
                    "profile",
                    described(
                        schema_ref("ServiceProfile"),
                        "審査の開始時のサービスプロファイル（この審査の項目はこれから作られた。後のサービスの変更は影響しない） / The service profile when the assessment was opened, from which its items were derived",
                    ),
                ),
                (
                    "status",
                    string_enum(
                        "状態: open = 審査中, decided = 判定済み / Status",
                        &["open", "decided"],
                    ),
                ),
                (
                    "due_date",
                    nullable_date("回答の期限 / Answers due by"),
                ),
                ("opened_by", string("審査を開始した利用者 / User who opened it")),
                ("opened_at", timestamp("開始日時 (UTC) / Opened at")),
                (
                    "verdict",
                    json!({"anyOf": [schema_ref("Verdict"), {"type": "null"}],
                           "description": "記録された判定（判定前は null） / The recorded verdict; null while open"}),
                ),
                (
                    "decision",
                    json!({"anyOf": [schema_ref("Decision"), {"type": "null"}],
                           "description": "判定の記録（判定前は null） / The decision; null while open"}),
                ),
                ("updated_at", timestamp("更新日時 (UTC) / Updated at")),
            ],
        ),
    );
    schemas.insert(
        "VendorAssessment".into(),
        object(
            "事業者への審査の表示（プロファイルと判定の記録を含まない） / An assessment as an invited vendor sees it: no profile, no decision",
            &[
                "id",
                "service_id",
                "phase",
                "catalogs",
                "status",
                "due_date",
                "opened_at",
                "verdict",
            ],
            false,
            vec![
                ("id", string("審査 ID / Assessment id")),
                ("service_id", string("サービス / Service")),
                ("phase", schema_ref("AssessmentPhase")),
                ("catalogs", strings("基準カタログの ID / Catalog ids")),
                (
                    "status",
                    string_enum(
                        "状態: open = 審査中, decided = 判定済み / Status",
                        &["open", "decided"],
                    ),
                ),
                (
                    "due_date",
                    nullable_date("回答の期限 / Answers due by"),
                ),
                ("opened_at", timestamp("開始日時 (UTC) / Opened at")),
                (
                    "verdict",
                    json!({"anyOf": [schema_ref("Verdict"), {"type": "null"}],
                           "description": "記録された判定（判定前は null） / The recorded verdict; null while open"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "ItemCounts".into(),
        object(
            "項目の状態ごとの件数 / Items per state",
            &["open", "submitted", "accepted", "returned"],
            false,
            vec![
                ("open", integer("回答中 / Open")),
                ("submitted", integer("審査待ち / Submitted")),
                ("accepted", integer("確認済み / Accepted")),
                ("returned", integer("差戻し / Returned")),
            ],
        ),
    );
    schemas.insert(
        "Invitation".into(),
        object(
            "事業者の利用者の審査への招待（一つの対象者の項目に回答する） / A vendor user invited to answer one party's items",
            &["assessment_id", "user_id", "party", "invited_at"],
            false,
            vec![
                ("assessment_id", string("審査 / Assessment")),
                ("user_id", string("招待された事業者の利用者 / The invited vendor user")),
                ("party", schema_ref("Party")),
                ("invited_at", timestamp("招待日時 (UTC) / Invited at")),
            ],
        ),
    );
    schemas.insert(
        "AssessmentDetail".into(),
        object(
            "審査の詳細（テナントのスタッフと閲覧者） / An assessment in detail, for tenant staff and viewers",
            &["assessment", "counts", "invitations"],
            false,
            vec![
                ("assessment", schema_ref("Assessment")),
                (
                    "counts",
                    described(
                        schema_ref("ItemCounts"),
                        "全項目の状態ごとの件数 / Every item per state",
                    ),
                ),
                (
                    "invitations",
                    json!({"type": "array", "items": schema_ref("Invitation"), "description": "招待（招待順） / Invitations in order"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "VendorAssessmentDetail".into(),
        object(
            "審査の詳細（招待された事業者） / An assessment in detail, for an invited vendor",
            &["assessment", "party", "counts"],
            false,
            vec![
                ("assessment", schema_ref("VendorAssessment")),
                (
                    "party",
                    described(
                        schema_ref("Party"),
                        "招待された対象者（回答する項目） / The party the vendor answers for",
                    ),
                ),
                (
                    "counts",
                    described(
                        schema_ref("ItemCounts"),
                        "自分の対象者の項目の状態ごとの件数 / The vendor's own items per state",
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "NewInvitationRequest".into(),
        object(
            "事業者の利用者の招待 / Inviting a vendor user",
            &["user_id", "party"],
            true,
            vec![
                (
                    "user_id",
                    string("事業者 (vendor) の利用者 ID。サービスにその対象者の組織があれば、その組織の利用者に限る（違えば 400 invalid_field） / A vendor user; of the service's organisation for the party, if one is set"),
                ),
                (
                    "party",
                    described(
                        schema_ref("Party"),
                        "回答させる対象者の項目 / Whose items the user answers",
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "ItemState".into(),
        string_enum(
            "項目の状態 / Item state: open = 回答中（下書き可）, submitted = 審査待ち, accepted = 確認済み, returned = 差戻し（回答し直す）",
            &["open", "submitted", "accepted", "returned"],
        ),
    );
    schemas.insert(
        "AnswerStatus".into(),
        string_enum(
            "回答 / Answer: conforms = 適合, partial = 一部適合, does_not_conform = 不適合, not_applicable = 該当なし",
            &["conforms", "partial", "does_not_conform", "not_applicable"],
        ),
    );
    schemas.insert(
        "AnswerInput".into(),
        object(
            "事業者の回答（下書きとして保存できる）。規則: status は必須（省略・null は 400 invalid_field、field は status）、not_applicable には reason が必要（field は reason）、plan と due は両方を指定するか両方とも省略する（field は plan）。必須項目の partial は是正計画と期限があれば条件付き承認の条件になり、なければ承認できない。応答ではすべての項目が現れ、値は送ったまま / A vendor's answer; status required, reason required for not_applicable, plan and due together or neither. Responses show every field as sent",
            &[],
            true,
            vec![
                (
                    "status",
                    json!({"anyOf": [schema_ref("AnswerStatus"), {"type": "null"}],
                           "description": "回答（必須） / The answer (required)"}),
                ),
                ("comment", nullable_string("説明 / Comment")),
                (
                    "evidence",
                    with(
                        strings("証跡（文書名など、空は無視） / Evidence, blanks ignored"),
                        "default",
                        json!([]),
                    ),
                ),
                (
                    "reason",
                    nullable_string("該当しない理由（not_applicable では必須） / Why it does not apply (required for not_applicable)"),
                ),
                (
                    "plan",
                    nullable_string("是正計画（due と一緒に） / Remediation plan, with due"),
                ),
                (
                    "due",
                    nullable_date("是正の期限 (YYYY-MM-DD、plan と一緒に) / Remediation due date, with plan"),
                ),
            ],
        ),
    );
    let optional = "（ない場合は null） / null when absent";
    schemas.insert(
        "AssessmentItem".into(),
        object(
            "審査の項目（要求事項 × 対象者）。要求事項の内容はカタログから。カタログが読み込まれていなければ phase・category・subcategory・text・examples は null / An item (requirement x party) with its requirement from the catalog",
            &[
                "catalog_id",
                "requirement_id",
                "party",
                "level",
                "phase",
                "category",
                "subcategory",
                "text",
                "examples",
                "state",
                "answer",
                "review_comment",
                "prefilled",
                "updated_at",
            ],
            false,
            vec![
                ("catalog_id", string("カタログ ID / Catalog id")),
                ("requirement_id", string("要求事項 ID / Requirement id")),
                ("party", schema_ref("Party")),
                ("level", schema_ref("Level")),
                (
                    "phase",
                    json!({"anyOf": [schema_ref("Phase"), {"type": "null"}], "description": "要求事項の段階 / The requirement's phase"}),
                ),
                ("category", nullable_string(&format!("分類{optional}"))),
                ("subcategory", nullable_string(&format!("小分類{optional}"))),
                (
                    "text",
                    nullable_string("要求事項の本文 / The requirement text"),
                ),
                (
                    "examples",
                    json!({"type": ["array", "null"], "items": {"type": "string"}, "description": "例 / Examples"}),
                ),
                ("state", schema_ref("ItemState")),
                (
                    "answer",
                    json!({"anyOf": [schema_ref("AnswerInput"), {"type": "null"}],
                           "description": "事業者の回答（未回答は null。下書きを含む） / The vendor's answer, drafts included; null if none"}),
                ),
                (
                    "review_comment",
                    nullable_string("審査担当者のコメント（差戻しの理由など） / The reviewer's comment, e.g. why it was returned"),
                ),
                (
                    "prefilled",
                    boolean("answer は回答マスタから補完されたもので、事業者がまだ確認していない。事業者が回答を保存 (PUT) すると false になる。true の項目が残っていると提出は 400 unconfirmed_prefill / The answer was pre-filled from the answer library and the vendor has not confirmed it yet; saving the answer (PUT) clears it; while any is true, submitting is 400 unconfirmed_prefill"),
                ),
                ("updated_at", timestamp("更新日時 (UTC) / Updated at")),
            ],
        ),
    );
    schemas.insert(
        "Review".into(),
        object(
            "項目の確認 / A review of one item",
            &["decision"],
            true,
            vec![
                (
                    "decision",
                    string_enum(
                        "accept = 受理, return = 差し戻す（事業者が回答し直す） / Accept, or return to the vendor",
                        &["accept", "return"],
                    ),
                ),
                (
                    "comment",
                    nullable_string("コメント。差し戻すときは必須（空白のみは不可、field は comment） / Comment; required when returning"),
                ),
            ],
        ),
    );
    schemas.insert(
        "SubmitResult".into(),
        object(
            "提出の結果 / Result of a submission",
            &["submitted"],
            false,
            vec![("submitted", integer("提出した項目の数 / Items submitted"))],
        ),
    );
    schemas.insert(
        "Condition".into(),
        object(
            "条件付き承認の条件 / A condition of a conditional approval",
            &["text", "due"],
            true,
            vec![
                ("text", string("条件 / The condition")),
                ("due", date("期限 (YYYY-MM-DD) / Due date")),
            ],
        ),
    );
    schemas.insert(
        "VerdictInput".into(),
        object(
            "判定の記録 / Recording a verdict",
            &["verdict", "note"],
            true,
            vec![
                (
                    "verdict",
                    described(
                        schema_ref("Verdict"),
                        "判定。回答から算出される判定より良くはできない（400 verdict_not_supported） / Not better than the answers support",
                    ),
                ),
                (
                    "note",
                    string("判定理由（空白のみは不可） / The reasoned note, not blank"),
                ),
                (
                    "conditions",
                    json!({"type": "array", "items": schema_ref("Condition"), "default": [],
                           "description": "条件と期限。条件付き承認では、回答から加わる条件と合わせて1つ以上必要 / Conditions with due dates; a conditional approval needs at least one, counting those added from the answers"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "DecisionCondition".into(),
        object(
            "記録された条件 / A recorded condition",
            &["text", "due", "source"],
            false,
            vec![
                (
                    "text",
                    string("条件。回答からのものは「カタログ/要求事項（対象者）: 内容」 / The condition; from an answer: catalog/requirement (party): text"),
                ),
                ("due", date("期限 / Due date")),
                (
                    "source",
                    string_enum(
                        "出どころ: reviewer = 審査担当者が指定, answer = 是正計画付きの一部適合の回答から自動で追加 / Source: the reviewer, or added from a partial answer's plan",
                        &["reviewer", "answer"],
                    ),
                ),
                ("met_at", timestamp("達成を記録した日時（達成済みのときだけ） / When it was recorded as met (only once met)")),
                ("met_by", string("達成を記録した利用者の表示名 / Who recorded it as met")),
                ("met_note", string("達成の内容 / How it was met")),
            ],
        ),
    );
    schemas.insert(
        "ConditionMet".into(),
        object(
            "条件の達成の記録 / Recording a condition as met",
            &["note"],
            true,
            vec![(
                "note",
                string("達成の内容（空白のみは不可、2000 文字まで） / How it was met, not blank, up to 2000 characters"),
            )],
        ),
    );
    schemas.insert(
        "Decision".into(),
        object(
            "記録された判定 / A recorded decision",
            &[
                "verdict",
                "computed_verdict",
                "note",
                "conditions",
                "decided_by",
                "decided_at",
            ],
            false,
            vec![
                (
                    "verdict",
                    described(schema_ref("Verdict"), "記録した判定 / The verdict recorded"),
                ),
                (
                    "computed_verdict",
                    described(
                        schema_ref("Verdict"),
                        "判定時に回答から算出された判定（verdict はこれより良くない） / The verdict the answers supported; verdict is never better",
                    ),
                ),
                ("note", string("判定理由 / The reasoned note")),
                (
                    "conditions",
                    json!({"type": "array", "items": schema_ref("DecisionCondition"),
                           "description": "条件（審査担当者のもの、続いて回答からのもの） / Conditions: the reviewer's, then those from the answers"}),
                ),
                (
                    "decided_by",
                    string("判定した利用者の表示名（判定時点） / Display name of the deciding user at the time"),
                ),
                ("decided_at", timestamp("判定日時 (UTC) / Decided at")),
            ],
        ),
    );
    schemas.insert(
        "ItemStatus".into(),
        string_enum(
            "評価での項目の状況 / Evaluated status: conforms = 適合, partial = 一部適合, does_not_conform = 不適合, not_applicable = 該当なし, unanswered = 未回答",
            &[
                "conforms",
                "partial",
                "does_not_conform",
                "not_applicable",
                "unanswered",
            ],
        ),
    );
    schemas.insert(
        "EvaluatedAnswer".into(),
        object(
            "評価に使われた回答（検査済み、前後の空白を除く。空の項目は省略） / The checked answer the evaluation used; empty fields omitted",
            &["status"],
            false,
            vec![
                ("status", schema_ref("AnswerStatus")),
                ("comment", string("説明 / Comment")),
                ("evidence", strings("証跡 / Evidence")),
                ("reason", string("該当しない理由 / Why it does not apply")),
                (
                    "remediation",
                    object(
                        "是正計画と期限 / Remediation plan and due date",
                        &["plan", "due"],
                        false,
                        vec![
                            ("plan", string("是正計画 / Plan")),
                            ("due", date("期限 / Due date")),
                        ],
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "EvaluatedItem".into(),
        object(
            "評価した項目 / An evaluated item",
            &["requirement_id", "phase", "party", "level", "status", "source"],
            false,
            vec![
                ("requirement_id", string("要求事項 ID / Requirement id")),
                ("phase", schema_ref("Phase")),
                ("party", schema_ref("Party")),
                ("level", schema_ref("Level")),
                ("status", schema_ref("ItemStatus")),
                (
                    "source",
                    object(
                        "回答の出どころ: requirement = この要求事項への回答, control = 共通管理策への回答（control に ID）, none = 回答なし / Where the answer came from",
                        &["kind"],
                        false,
                        vec![
                            (
                                "kind",
                                json!({"type": "string", "enum": ["requirement", "control", "none"]}),
                            ),
                            (
                                "control",
                                string("共通管理策の ID（kind = control のときだけ） / Control id, for kind control only"),
                            ),
                        ],
                    ),
                ),
                (
                    "answer",
                    described(
                        schema_ref("EvaluatedAnswer"),
                        "使われた回答（未回答なら省略） / The answer used; omitted when unanswered",
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "Gap".into(),
        object(
            "満たされていない項目 / An item that is not fully met",
            &[
                "requirement_id",
                "party",
                "level",
                "status",
                "severity",
                "message",
            ],
            false,
            vec![
                ("requirement_id", string("要求事項 ID / Requirement id")),
                ("party", schema_ref("Party")),
                ("level", schema_ref("Level")),
                ("status", schema_ref("ItemStatus")),
                (
                    "severity",
                    string_enum(
                        "重さ: blocking = 承認不可（必須項目の不適合・未回答・計画のない一部適合）, condition = 条件（必須項目の是正計画付きの一部適合）, finding = 指摘（推奨項目） / Severity: blocks approval, a condition, or a finding on a recommended item",
                        &["blocking", "condition", "finding"],
                    ),
                ),
                ("message", string("日本語の説明 / Japanese explanation")),
                (
                    "due",
                    date("是正の期限（是正計画があるときだけ） / Remediation due date, when there is a plan"),
                ),
            ],
        ),
    );
    schemas.insert(
        "CatalogEvaluation".into(),
        object(
            "一つのカタログの評価 / The evaluation of one catalog",
            &["id", "title", "verdict", "summary", "items", "gaps"],
            false,
            vec![
                ("id", string("カタログ ID / Catalog id")),
                ("title", string("表題 / Title")),
                (
                    "verdict",
                    described(
                        schema_ref("Verdict"),
                        "承認不可の指摘があれば rejected、条件があれば conditional、それ以外は approved / rejected with a blocking gap, conditional with a condition, else approved",
                    ),
                ),
                (
                    "summary",
                    object(
                        "程度・状況ごとの項目数 / Items per level and status",
                        &[
                            "required",
                            "recommended",
                            "conforms",
                            "partial",
                            "does_not_conform",
                            "not_applicable",
                            "unanswered",
                        ],
                        false,
                        vec![
                            ("required", integer("必須 / Required")),
                            ("recommended", integer("推奨 / Recommended")),
                            ("conforms", integer("適合 / Conforms")),
                            ("partial", integer("一部適合 / Partial")),
                            ("does_not_conform", integer("不適合 / Does not conform")),
                            ("not_applicable", integer("該当なし / Not applicable")),
                            ("unanswered", integer("未回答 / Unanswered")),
                        ],
                    ),
                ),
                (
                    "items",
                    json!({"type": "array", "items": schema_ref("EvaluatedItem"), "description": "適用される項目（カタログ順） / Applicable items in catalog order"}),
                ),
                (
                    "gaps",
                    json!({"type": "array", "items": schema_ref("Gap"), "description": "満たされていない項目 / Gaps"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "Evaluation".into(),
        object(
            "回答から算出した評価（kijun assess --format json の catalogs と同じ形） / The evaluation computed from the answers",
            &["verdict", "catalogs"],
            false,
            vec![
                (
                    "verdict",
                    described(
                        schema_ref("Verdict"),
                        "全カタログのうち最も悪い判定。判定として記録できる最良のもの / The worst verdict of all catalogs: the best that may be recorded",
                    ),
                ),
                (
                    "catalogs",
                    json!({"type": "array", "items": schema_ref("CatalogEvaluation"), "description": "カタログごとの評価 / Per catalog"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "HistoryEntry".into(),
        object(
            "審査の履歴の1件 / One event of an assessment's history",
            &[
                "seq",
                "at",
                "actor_id",
                "actor_name",
                "event",
                "item",
                "details",
            ],
            false,
            vec![
                (
                    "seq",
                    json!({"type": "integer", "format": "int64", "minimum": 1, "description": "審査内の連番 / Sequence number in the assessment"}),
                ),
                ("at", timestamp("日時 (UTC) / When")),
                ("actor_id", nullable_string("操作者の利用者 ID / Acting user")),
                (
                    "actor_name",
                    nullable_string("操作時点の操作者の表示名 / Actor's display name at the time"),
                ),
                (
                    "event",
                    string_enum(
                        "出来事: opened = 開始, invited = 招待, prefilled = 回答マスタからの補完, answered = 回答（下書きの保存）, submitted = 提出, accepted = 受理, returned = 差戻し, decided = 判定 / Event",
                        &[
                            "opened",
                            "invited",
                            "prefilled",
                            "answered",
                            "submitted",
                            "accepted",
                            "returned",
                            "decided",
                        ],
                    ),
                ),
                (
                    "item",
                    nullable_string("項目（カタログ/要求事項/対象者）。項目に属さない出来事は null / The item as catalog/requirement/party; null for assessment-wide events"),
                ),
                (
                    "details",
                    json!({"type": "object", "description": "出来事ごとの詳細: opened {phase, catalogs, items}、invited {user_id, party}、prefilled {source, answer}（source は回答マスタの項目 requirement:カタログ/要求事項 または control:管理策 ID、answer は AnswerInput）、answered は AnswerInput、submitted {party, items}、accepted・returned {decision, comment}、decided は Decision / Per event: opened {phase, catalogs, items}, invited {user_id, party}, prefilled {source, answer} (source the library entry, requirement:catalog/requirement or control:control-id; answer an AnswerInput), answered an AnswerInput, submitted {party, items}, accepted and returned {decision, comment}, decided a Decision"}),
                ),
            ],
        ),
    );
}

/// The media types an evidence file may have, with what is accepted as
/// each: `kijun_store::evidence::ALLOWED_CONTENT_TYPES` (the tests compare
/// the two), checked by content there.
const EVIDENCE_MEDIA_TYPES: &[(&str, &str)] = &[
    ("application/pdf", "PDF"),
    ("image/png", "PNG"),
    ("image/jpeg", "JPEG"),
    (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word (.docx)。マクロ付きは不可 / Word, without macros",
    ),
    (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel (.xlsx)。マクロ付きは不可 / Excel, without macros",
    ),
    (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint (.pptx)。マクロ付きは不可 / PowerPoint, without macros",
    ),
    (
        "text/plain",
        "テキスト（UTF-8、NUL なし） / UTF-8 text without NUL",
    ),
    ("text/csv", "CSV（UTF-8） / UTF-8 CSV"),
];

/// A raw file in any of [`EVIDENCE_MEDIA_TYPES`], one content entry each.
/// OpenAPI 3.1 describes raw bytes with a schema without `type` (`type:
/// string` is a JSON string; `format: binary` is the 3.0 form), here naming
/// the media type with `contentMediaType`.
fn binary_content() -> Value {
    let mut content = Map::new();
    for (media_type, what) in EVIDENCE_MEDIA_TYPES {
        content.insert(
            (*media_type).to_owned(),
            json!({"schema": {"contentMediaType": media_type, "description": what}}),
        );
    }
    Value::Object(content)
}

/// Backups (`routes/backup.rs`).
fn backup_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "Backup".into(),
        object(
            "作成したバックアップ / A backup taken",
            &[
                "name",
                "size",
                "sha256",
                "blobs",
                "database_bytes",
                "created_at",
            ],
            true,
            vec![
                (
                    "name",
                    string("ファイル名（backups/ の下） / File name under backups/"),
                ),
                ("size", integer("ファイルのバイト数 / File size in bytes")),
                ("sha256", string("ファイルの SHA-256 / SHA-256 of the file")),
                (
                    "blobs",
                    integer("含めた証跡ファイルの数 / Evidence files included"),
                ),
                (
                    "database_bytes",
                    integer("データベースのスナップショットのバイト数 / Database snapshot size"),
                ),
                ("created_at", timestamp("取得日時 / When it was taken")),
            ],
        ),
    );
    schemas.insert(
        "BackupFile".into(),
        object(
            "バックアップファイル / A backup file",
            &["name", "size", "modified_at"],
            true,
            vec![
                ("name", string("ファイル名 / File name")),
                ("size", integer("バイト数 / Size in bytes")),
                (
                    "modified_at",
                    json!({"type": ["string", "null"], "format": "date-time", "description": "最終更新日時 / Last written"}),
                ),
            ],
        ),
    );
}

/// The evidence register (`kijun_store::evidence::EvidenceRecord`).
fn evidence_schemas(schemas: &mut Map<String, Value>) {
    let media_types: Vec<&str> = EVIDENCE_MEDIA_TYPES.iter().map(|(t, _)| *t).collect();
    schemas.insert(
        "EvidenceRecord".into(),
        object(
            "証跡ファイルの台帳の記録（中身は GET /evidence/{id} で取得する）。ファイルはテナントのデータ鍵で暗号化して保存され、ここにある項目は暗号化されない / An evidence file's register entry; the file itself is stored encrypted under the tenant's data key, these fields are not",
            &[
                "id",
                "tenant_id",
                "owner_user_id",
                "filename",
                "content_type",
                "size",
                "sha256",
                "key_id",
                "created_at",
            ],
            false,
            vec![
                ("id", string("証跡ファイル ID / Evidence file id")),
                ("tenant_id", string("テナント / Tenant")),
                (
                    "owner_user_id",
                    string("登録した利用者 / The user who uploaded it"),
                ),
                (
                    "filename",
                    json!({"type": "string", "minLength": 1, "maxLength": 200,
                           "description": "表示用のファイル名: 登録時の filename からパスの部分・制御文字・双方向テキスト制御文字を除いたもの（200 文字まで、空なら evidence）。ダウンロードの Content-Disposition に使う / Display name: the uploaded filename without path, control and bidi characters, at most 200 characters (evidence if nothing is left); used in the download's Content-Disposition"}),
                ),
                (
                    "content_type",
                    string_enum(
                        "内容で確かめた種類（引数なし）。ダウンロードの Content-Type / The type as checked against the content, without parameters; the download's Content-Type",
                        &media_types,
                    ),
                ),
                (
                    "size",
                    json!({"type": "integer", "format": "int64", "minimum": 1,
                           "description": "大きさ（平文のバイト数） / Size of the plaintext in bytes"}),
                ),
                (
                    "sha256",
                    json!({"type": "string", "pattern": "^[0-9a-f]{64}$",
                           "description": "平文の SHA-256（16 進小文字 64 桁）。ダウンロード時に照合され、X-Content-SHA256 ヘッダーでも返る / SHA-256 of the plaintext, lower-case hex; checked on download and sent as X-Content-SHA256"}),
                ),
                (
                    "key_id",
                    string("暗号化に使ったテナントのデータ鍵の ID（鍵そのものではない） / Id of the tenant data key it is encrypted under (not the key)"),
                ),
                ("created_at", timestamp("登録日時 (UTC) / Uploaded at")),
            ],
        ),
    );
}

/// The vendors' answer library (`routes/library.rs`, the records of
/// `kijun_store::library`).
#[allow(clippy::too_many_lines)]
fn library_schemas(schemas: &mut Map<String, Value>) {
    let product = || {
        json!({"type": "string", "default": "",
               "description": "回答の対象の製品（前後の空白を除いて扱う。省略・空 = 製品を問わない） / The vendor's product the answer is about, trimmed; omitted or empty: any product"})
    };
    let scope = || {
        string_enum(
            "範囲: requirement = 要求事項ごとの回答（key は カタログ ID/要求事項 ID、例 seed-000/SEL-01）, control = 共通管理策ごとの回答（key は管理策 ID。その管理策を持つ要求事項に使われる） / Scope: requirement (key catalog/requirement) or control (key a common control id, used for the requirements that carry it)",
            &["requirement", "control"],
        )
    };
    let key = || {
        string(
            "要求事項（カタログ ID/要求事項 ID）または共通管理策の ID。読み込まれたカタログにないものは 400 invalid_field（field は key） / catalog/requirement or a control id; unknown ones are 400 invalid_field",
        )
    };
    schemas.insert(
        "LibraryEntry".into(),
        object(
            "回答マスタの1件: 事業者の組織が、要求事項または共通管理策ごと（対象者ごと、任意で製品ごと）に持つ回答。審査で保存した回答は、出どころのテナント (origin_tenant_id) 付きで scope requirement・product 空の項目として保存される / One entry of an organisation's answer library, per requirement or common control, per party and optionally per product. Answers saved in an assessment are kept as scope requirement, empty product, with their origin tenant",
            &[
                "organisation_id",
                "product",
                "scope",
                "key",
                "party",
                "answer",
                "origin_tenant_id",
                "updated_at",
            ],
            false,
            vec![
                ("organisation_id", string("事業者の組織 / The vendor organisation")),
                (
                    "product",
                    string("製品（空 = 製品を問わない） / The vendor's product; empty: any"),
                ),
                ("scope", scope()),
                (
                    "key",
                    string("要求事項（カタログ ID/要求事項 ID）または共通管理策の ID / catalog/requirement or a control id"),
                ),
                ("party", schema_ref("Party")),
                (
                    "answer",
                    described(
                        schema_ref("AnswerInput"),
                        "回答（審査の回答と同じ形） / The answer, as in an assessment",
                    ),
                ),
                (
                    "origin_tenant_id",
                    nullable_string("回答が最後に保存された審査のテナント（別のテナントで保存し直すとそのテナントに変わる）。回答マスタに直接登録・更新したものは null。同意のないテナントでは、そのテナントが出どころの項目だけが補完に使われる（null の項目は同意したテナントでだけ使われる） / The tenant of the assessment the answer was last saved in (saving it in another tenant moves it there); null when entered or edited in the library directly. Without consent, a tenant is pre-filled only from entries that came from it (null ones only in consented tenants)"),
                ),
                ("updated_at", timestamp("更新日時 (UTC) / Updated at")),
            ],
        ),
    );
    schemas.insert(
        "LibraryEntryInput".into(),
        object(
            "回答マスタの項目の登録・置き換え。(product, scope, key, party) が同じ項目は置き換えられ、出どころのテナントは null になる / An entry to add, or to replace the one with the same product, scope, key and party (its origin tenant becomes null)",
            &["scope", "key", "party", "answer"],
            true,
            vec![
                ("product", product()),
                ("scope", scope()),
                ("key", key()),
                ("party", schema_ref("Party")),
                (
                    "answer",
                    described(
                        schema_ref("AnswerInput"),
                        "回答。審査の回答と同じ規則で検査する（違反は 400 invalid_field、field は answer.status など） / The answer, checked as in an assessment (400 invalid_field, field e.g. answer.status)",
                    ),
                ),
            ],
        ),
    );
    schemas.insert(
        "LibraryEntryKey".into(),
        object(
            "削除する回答マスタの項目 / The library entry to delete",
            &["scope", "key", "party"],
            true,
            vec![
                ("product", product()),
                ("scope", scope()),
                (
                    "key",
                    string("要求事項（カタログ ID/要求事項 ID）または共通管理策の ID / catalog/requirement or a control id"),
                ),
                ("party", schema_ref("Party")),
            ],
        ),
    );
    schemas.insert(
        "Consent".into(),
        object(
            "組織の回答マスタをテナントで使うことへの同意。有効な同意があるテナントでは、回答マスタのすべての項目（他のテナントからのもの、直接登録したもの）が補完に使われる / An organisation's consent to use its whole library (entries from other tenants and direct ones) in a tenant",
            &["organisation_id", "tenant_id", "granted_at", "revoked_at"],
            false,
            vec![
                ("organisation_id", string("事業者の組織 / The vendor organisation")),
                ("tenant_id", string("同意したテナント / The tenant")),
                (
                    "granted_at",
                    timestamp("同意（最後に同意し直した）日時 (UTC) / Granted (last re-granted) at"),
                ),
                (
                    "revoked_at",
                    nullable_timestamp("撤回日時 (UTC)。有効な同意は null / Revoked at; null while in force"),
                ),
            ],
        ),
    );
    schemas.insert(
        "ConsentInput".into(),
        object(
            "同意するテナント / The tenant to consent to",
            &["tenant_id"],
            true,
            vec![(
                "tenant_id",
                string("テナント ID。自分が招待された審査のテナントに限る（それ以外は 404、field は tenant_id） / A tenant of an assessment the caller is invited to (else 404)"),
            )],
        ),
    );
    schemas.insert(
        "PrefillResult".into(),
        object(
            "補完の結果 / Result of a pre-fill",
            &["prefilled"],
            false,
            vec![(
                "prefilled",
                integer("回答マスタから補完した項目の数 / Items pre-filled from the library"),
            )],
        ),
    );
}

/// A tenant's dashboard (`routes/dashboard.rs`).
fn dashboard_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert(
        "WaitingAssessment".into(),
        object(
            "審査中の審査 / An open assessment",
            &["assessment_id", "service", "to_review", "with_vendors"],
            false,
            vec![
                ("assessment_id", string("審査 ID / Assessment id")),
                ("service", string("サービス名 / Service name")),
                (
                    "to_review",
                    integer("提出済みで確認待ち (submitted) の項目数 / Items submitted and waiting for review"),
                ),
                (
                    "with_vendors",
                    integer("事業者の回答待ち（open・returned）の項目数 / Items the vendors still have to answer (open or returned)"),
                ),
            ],
        ),
    );
    schemas.insert(
        "OverdueCondition".into(),
        object(
            "期限を過ぎた条件（判定済みの審査の条件のうち、期限が今日より前のもの） / A condition of a decided assessment whose due date is before today",
            &["assessment_id", "service", "text", "due"],
            false,
            vec![
                ("assessment_id", string("審査 ID / Assessment id")),
                ("service", string("サービス名 / Service name")),
                ("text", string("条件 / The condition")),
                ("due", date("期限 / Due date")),
            ],
        ),
    );
    schemas.insert(
        "Expiring".into(),
        object(
            "有効期限が近い（90 日以内）か過ぎた登録・認証 / A registration or certification expiring within 90 days, or expired",
            &["service_id", "service", "what", "valid_until", "days_left"],
            false,
            vec![
                ("service_id", string("サービス ID / Service id")),
                ("service", string("サービス名 / Service name")),
                (
                    "what",
                    string("「ISMAP 登録」「ISMAP-LIU 登録」「LGWAN-ASP 登録」、または認証の名称 / `ISMAP 登録`, `ISMAP-LIU 登録`, `LGWAN-ASP 登録` or the certification's name"),
                ),
                ("valid_until", date("有効期限 / Valid until")),
                (
                    "days_left",
                    json!({"type": "integer", "maximum": 90,
                           "description": "今日から有効期限までの日数（過ぎていれば負） / Days from today to the expiry; negative when expired"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "ReassessmentDue".into(),
        object(
            "再審査の時期を迎えたサービス / A service due for re-assessment",
            &["service_id", "service", "last_decided"],
            false,
            vec![
                ("service_id", string("サービス ID / Service id")),
                ("service", string("サービス名 / Service name")),
                (
                    "last_decided",
                    nullable_date("最後に判定した日（Asia/Tokyo）。一度も判定していなければ null / Date (Asia/Tokyo) of the last decision; null if never decided"),
                ),
            ],
        ),
    );
    schemas.insert(
        "Dashboard".into(),
        object(
            "テナントのダッシュボード。「今日」は Asia/Tokyo の日付 / A tenant's dashboard; today is the Asia/Tokyo date",
            &[
                "today",
                "services_by_status",
                "waiting",
                "overdue_conditions",
                "expiring",
                "reassessment_due",
                "reassessment_months",
            ],
            false,
            vec![
                ("today", date("今日（Asia/Tokyo） / Today in Asia/Tokyo")),
                (
                    "services_by_status",
                    json!({"type": "object",
                           "propertyNames": {"enum": ["未審査", "審査中", "承認", "条件付き承認", "不承認"]},
                           "additionalProperties": {"type": "integer", "minimum": 1},
                           "description": "最新の審査の状態ごとのサービス数（該当するサービスがない状態は現れない）: 未審査 = 審査なし, 審査中 = 最新の審査が審査中, 承認・条件付き承認・不承認 = 最新の審査の判定 / Services per the state of their latest assessment (states with no service are absent): none, open, or the latest verdict"}),
                ),
                (
                    "waiting",
                    json!({"type": "array", "items": schema_ref("WaitingAssessment"),
                           "description": "審査中の審査（審査担当者の確認待ちと事業者の回答待ちの項目数） / Open assessments with the items waiting for the reviewer and for the vendors"}),
                ),
                (
                    "overdue_conditions",
                    json!({"type": "array", "items": schema_ref("OverdueCondition"),
                           "description": "判定済みの審査の条件で、期限を過ぎたもの / Conditions of decided assessments past their due date"}),
                ),
                (
                    "expiring",
                    json!({"type": "array", "items": schema_ref("Expiring"),
                           "description": "サービス台帳の ISMAP・ISMAP-LIU・LGWAN-ASP の登録と認証のうち、有効期限が 90 日以内か過ぎたもの（残り日数の少ない順） / Registrations and certifications of the register expiring within 90 days or expired, fewest days left first"}),
                ),
                (
                    "reassessment_due",
                    json!({"type": "array", "items": schema_ref("ReassessmentDue"),
                           "description": "審査中の審査がなく、一度も判定していないか、最後の判定から reassessment_months か月が過ぎたサービス / Services with no open assessment that were never decided or whose last decision is reassessment_months old"}),
                ),
                (
                    "reassessment_months",
                    json!({"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64,
                           "description": "テナント設定の再審査の周期（月） / The tenant setting's re-assessment cycle in months"}),
                ),
                (
                    "alerts",
                    json!({"type": "array", "items": schema_ref("DashboardAlert"),
                           "description": "テナントの現在のアラート（GET /tenants/{id}/alerts と同じ計算）。期限を過ぎたもの (breached) が先、次に期限の早い順で、最大 100 件（すべては GET /tenants/{id}/alerts） / The tenant's alerts as of now (as GET /tenants/{id}/alerts), breached first, then by deadline; at most 100 (all: GET /tenants/{id}/alerts)"}),
                ),
                (
                    "alerts_total",
                    json!({"type": "integer", "minimum": 0,
                           "description": "アラートの総数 / How many alerts there are in all"}),
                ),
            ],
        ),
    );
    let alert_kinds: Vec<&str> = kijun_core::oversight::alerts::AlertKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    schemas.insert(
        "DashboardAlert".into(),
        object(
            "ダッシュボードのアラート（日本語の表示つき） / An alert on the dashboard, with Japanese labels",
            &["kind", "kind_label", "status", "status_label", "severity", "service_id", "service", "subject", "subject_label", "message", "deadline", "deadline_text", "dedupe_key"],
            false,
            vec![
                ("kind", string_enum("規則 / The rule", &alert_kinds)),
                ("kind_label", string("種類の日本語名（例: インシデントの調査開始の遅れ） / The kind in Japanese")),
                ("status", string_enum("pending = 期限前, breached = 期限超過 / Status", &["pending", "breached"])),
                ("status_label", string_enum("状態の日本語名 / The status in Japanese", &["期限前", "期限超過"])),
                ("severity", string_enum("緊急度 / Severity", &["warning", "high", "critical"])),
                ("service_id", string("サービス ID / Service id")),
                ("service", string("サービス名 / Service name")),
                ("subject", object("対象 / What it is about", &["kind", "id"], false, vec![
                    ("kind", string("incident・notice・deliverable・registration・certification・contract / The subject's kind")),
                    ("id", string("対象の ID / The subject's id")),
                ])),
                ("subject_label", string("対象の日本語の表示（例: インシデント（ID）） / The subject in Japanese")),
                ("message", string("日本語の説明 / Japanese message")),
                ("deadline", timestamp("期限 / The deadline")),
                ("deadline_text", string("期限の表示（日本時間）: 2026年5月1日 09:30、日付の期限は 2026年5月1日 / The deadline for people, Asia/Tokyo")),
                ("dedupe_key", string("通知の重複防止キー / The notification dedupe key")),
            ],
        ),
    );
}

fn parameters() -> Value {
    let path = |description: &str| json!({"name": "id", "in": "path", "required": true, "schema": {"type": "string"}, "description": description});
    json!({
        "TenantId": path("テナント ID / Tenant id"),
        "UserId": path("利用者 ID / User id"),
        "TokenId": path("API トークン ID / API token id"),
        "CatalogId": path("カタログ ID（例: seed-000） / Catalog id"),
        "OrganisationId": path("組織 ID / Organisation id"),
        "ServiceId": path("サービス ID / Service id"),
        "AssessmentId": path("審査 ID / Assessment id"),
        "EvidenceId": path("証跡ファイル ID / Evidence file id"),
        "ConsentTenantId": {
            "name": "tenant_id", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "同意を撤回するテナントの ID / The tenant whose consent is revoked",
        },
        "ConditionIndex": {
            "name": "n", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 0},
            "description": "条件の位置（判定の conditions の 0 から数えた位置） / The condition's position in the decision's conditions, from 0",
        },
        "ChecklistParty": {
            "name": "party", "in": "query", "required": false,
            "schema": {"type": "string", "enum": ["integrator", "provider", "both"]},
            "description": "対象者。事業者は自分の対象者だけ（省略可）。スタッフは出力では選択（既定 both）、取り込みでは必須（integrator または provider） / The party: a vendor only its own (may be omitted); staff choose for an export (default both) and must name it for an import",
        },
        "ReportFormat": {
            "name": "format", "in": "query", "required": false,
            "schema": {"type": "string", "enum": ["pdf", "html"], "default": "pdf"},
            "description": "出力形式: pdf（日本語フォント埋め込み、A4）または html（印刷用 CSS 付き）。他の値やクエリパラメータは 400 invalid_field / pdf (Japanese font embedded, A4) or html (with print CSS); any other value or parameter: 400 invalid_field",
        },
        "EvidenceFilename": {
            "name": "filename", "in": "query", "required": true, "schema": {"type": "string"},
            "description": "ファイル名（表示用と、ダウンロードの Content-Disposition 用。種類の判定には使わない）。URL エンコードする（日本語可）。パスの部分・制御文字・双方向テキスト制御文字を除き、200 文字まで（長い名前は拡張子を残して切る）、何も残らなければ evidence。省略や他のクエリパラメータは 400 invalid_field / The file's name, for display and the download's Content-Disposition only (never for the type check), URL-encoded; path, control and bidi characters are removed, at most 200 characters are kept; missing, or any other query parameter: 400 invalid_field",
        },
        "ItemCatalog": {
            "name": "catalog", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "項目のカタログ ID（例: seed-000） / The item's catalog id",
        },
        "ItemRequirement": {
            "name": "requirement", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "項目の要求事項 ID（例: SEL-01） / The item's requirement id",
        },
        "ItemParty": {
            "name": "party", "in": "path", "required": true,
            "schema": {"type": "string", "enum": ["integrator", "provider"]},
            "description": "項目の対象者（その他の値は 404） / The item's party; anything else is 404",
        },
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
        "NotificationChannelId": {
            "name": "channel_id", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "通知先 ID / Notification channel id",
        },
        "DeliveryStatus": {
            "name": "status", "in": "query", "required": false,
            "schema": {"type": "string", "enum": ["pending", "failed", "sent", "gave_up"]},
            "description": "この状態の配信だけ / Only deliveries in this state",
        },
        "DeliveryChannel": {
            "name": "channel", "in": "query", "required": false,
            "schema": {"type": "string", "enum": ["email", "webhook"]},
            "description": "この種別の配信だけ / Only this channel kind",
        },
        "DeliveryKind": {
            "name": "kind", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "この種類の通知だけ（NotificationKind または test） / Only this alert kind",
        },
        "DeliveryNotificationId": {
            "name": "notification_id", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "この通知の配信だけ / Only this notification's deliveries",
        },
        "DeliveryLimit": {
            "name": "limit", "in": "query", "required": false,
            "schema": {"type": "integer", "format": "int64", "default": 100},
            "description": "新しい順に最大この件数（1〜1000 に丸める。既定 100） / At most this many, newest first (clamped to 1-1000; 100 by default)",
        },
    })
}

fn components() -> Value {
    let mut schemas = Map::new();
    error_schemas(&mut schemas);
    model_schemas(&mut schemas);
    catalog_schemas(&mut schemas);
    request_schemas(&mut schemas);
    assessment_schemas(&mut schemas);
    evidence_schemas(&mut schemas);
    backup_schemas(&mut schemas);
    library_schemas(&mut schemas);
    dashboard_schemas(&mut schemas);
    oversight_schemas(&mut schemas);
    notification_schemas(&mut schemas);
    termination_schemas(&mut schemas);
    json!({
        "schemas": schemas,
        "parameters": termination_parameters(oversight_parameters(parameters())),
        "headers": {
            "RetryAfter": {
                "description": "再試行までの秒数（1以上） / Seconds to wait before retrying",
                "schema": {"type": "integer", "minimum": 1},
            },
            "EvidenceContentDisposition": {
                "description": "attachment（ブラウザーで開かず保存させる）と登録時のファイル名。ファイル名は RFC 8187 の filename*=UTF-8''… の形で、英数字と - . _ 以外のバイトはすべて %XX / attachment with the recorded filename as RFC 8187 filename*=UTF-8''…, every byte but A-Z a-z 0-9 - . _ percent-encoded",
                "required": true,
                "schema": {"type": "string", "pattern": "^attachment; filename\\*=UTF-8''[A-Za-z0-9%._-]+$"},
                "example": "attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A%E6%9B%B8.pdf",
            },
            "ContentSha256": {
                "description": "ファイルの SHA-256（16 進小文字 64 桁）。EvidenceRecord の sha256 と同じで、サーバーは送る前に照合済み。受け取った側でも確かめられる / The file's SHA-256 in lower-case hex, as in EvidenceRecord.sha256; checked by the server before sending, and checkable by the client",
                "required": true,
                "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            },
            "NoSniff": {
                "description": "ブラウザーに Content-Type を推測させない / Browsers must not sniff the type",
                "required": true,
                "schema": {"type": "string", "const": "nosniff"},
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

/// What an operation reads as its request body.
#[derive(Clone, Copy)]
enum RequestBody {
    /// No body.
    Empty,
    /// JSON read by `ApiJson` into the named component schema (a closed
    /// object).
    Json(&'static str),
    /// A raw evidence file, in one of [`EVIDENCE_MEDIA_TYPES`], its type
    /// declared by the `Content-Type` header (not `ApiJson`: no 415).
    File,
    /// A raw file of one of the given media types (e.g. a filled-in
    /// checklist).
    Raw(&'static [&'static str]),
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
    /// The request body.
    body: RequestBody,
    /// The success status and response.
    ok: (u16, Value),
    /// Handler-specific error codes per status, beside the extractors'.
    errors: Vec<(u16, Vec<&'static str>)>,
    /// Whether a 500 `internal` is possible.
    can_fail: bool,
}

/// The media type of an Excel workbook.
const XLSX_MEDIA_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// A report as PDF or HTML (`?format=`).
fn report_content(description: &str) -> Value {
    json!({"description": description, "content": {
        "application/pdf": {"schema": {"contentMediaType": "application/pdf"}},
        "text/html": {"schema": {"type": "string", "contentMediaType": "text/html"}},
    }})
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
        body: RequestBody::Empty,
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
            body: RequestBody::Json("SetupRequest"),
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
            body: RequestBody::Json("LoginRequest"),
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
            body: RequestBody::Json("MfaRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("MfaConfirmRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("PasswordChangeRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("NewTenantRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("TenantSettingsUpdate"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("NewTenantUserRequest"),
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
            body: RequestBody::Empty,
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
            method: "DELETE",
            path: "/users/{id}",
            id: "disposeUser",
            tag: "users",
            summary: "アカウントの廃棄 / Dispose of an account",
            description: "パスワード（履歴を含む）・多要素認証の秘密・回復コード・セッション・API トークン・メールアドレスを削除し、アカウントを削除済みにする。行は残り、監査ログと審査の履歴は利用者 ID と名前で誰が行ったかを示し続ける。以後どこにも表示されず、サインインできない。自分自身は不可。 / Removes the password and its history, the MFA secret, recovery codes, sessions, API tokens and the e-mail address, and marks the account deleted; the row stays so the audit trail and histories keep naming who acted. Not oneself.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("UserId")],
            body: RequestBody::Empty,
            ok: (204, json!({"description": "廃棄した / Disposed"})),
            errors: vec![
                (400, vec!["self"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/admin/backups",
            id: "createBackup",
            tag: "backups",
            summary: "バックアップの作成 / Take a backup",
            description: "稼働中のままデータベースの一貫したスナップショットと、それが参照する証跡ファイルを、マスター鍵から導出した鍵で暗号化した 1 ファイル（データディレクトリの backups/）に保存し、監査ログに記録する。システム管理者のみ（他は 403）。PostgreSQL の場合は pg_dump を使う (409 backup_unsupported)。検証と復元はホストで kijun backup verify|restore。 / Takes a consistent online snapshot of the database and the evidence files it refers to into one encrypted file under the data directory's backups/, audit-logged. System administrators only. PostgreSQL: use pg_dump (409). Verify and restore on the host with kijun backup verify|restore.",
            auth: Auth::Full,
            bearer: false,
            params: vec![],
            body: RequestBody::Empty,
            ok: (201, json_response("作成したバックアップ / The backup taken", schema_ref("Backup"))),
            errors: vec![(403, vec!["forbidden"]), (409, vec!["backup_unsupported"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/admin/backups",
            id: "listBackups",
            tag: "backups",
            summary: "バックアップの一覧 / List backups",
            description: "データディレクトリの backups/ にあるバックアップファイル（新しい順）。システム管理者のみ。 / The backup files in the data directory's backups/, newest first. System administrators only.",
            auth: Auth::Full,
            bearer: false,
            params: vec![],
            body: RequestBody::Empty,
            ok: (200, json_response("バックアップファイル / Backup files", array_of("BackupFile"))),
            errors: vec![(403, vec!["forbidden"])],
            can_fail: true,
        },
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
            body: RequestBody::Json("RoleChangeRequest"),
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
            body: RequestBody::Json("MfaExemptionRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("NewOrganisationRequest"),
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
            body: RequestBody::Json("NewVendorUserRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Json("NewTokenRequest"),
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
            body: RequestBody::Empty,
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
            body: RequestBody::Empty,
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
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("カタログ / The catalog", schema_ref("Catalog")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/services",
            id: "listServices",
            tag: "services",
            summary: "サービス台帳の一覧 / List a tenant's services",
            description: "テナントのサービス台帳（名前順）。システム管理者と、そのテナントのテナント管理者・審査担当者・閲覧者が読める。事業者と他テナントは 404。 / The tenant's services by name, for system administrators and the tenant's administrators, reviewers and viewers; vendors and other tenants get 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("サービス / Services", array_of("Service")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/tenants/{id}/services",
            id: "createService",
            tag: "services",
            summary: "サービスの登録 / Register a service",
            description: "サービスを台帳に登録する。profile はどの要求事項が誰に適用されるかを決める属性（docs/profile.md、省略した属性は既定値）、details は契約・データの保管場所・登録・認証・再委託の連鎖。provider_org_id / integrator_org_id は種別 provider / integrator の組織で、招待できる事業者をその組織の利用者に限る。テナントのスタッフ（テナント管理者・審査担当者、システム管理者）が管理する。閲覧者は 403、事業者・他テナント・存在しないテナントは 404。 / Registers a service with its profile (which requirements apply to whom) and register details. Tenant staff (administrators, reviewers, system administrators) manage; viewers 403; vendors, other and unknown tenants 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Json("ServiceInput"),
            ok: (
                201,
                json_response("登録したサービス / The new service", schema_ref("Service")),
            ),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}",
            id: "getService",
            tag: "services",
            summary: "サービスの取得 / Get a service",
            description: "システム管理者と、そのテナントのテナント管理者・審査担当者・閲覧者のみ。事業者と他テナントは 404。 / For system administrators and the tenant's administrators, reviewers and viewers; vendors and other tenants get 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("サービス / The service", schema_ref("Service")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/services/{id}",
            id: "updateService",
            tag: "services",
            summary: "サービスの更新 / Replace a service",
            description: "サービス全体を置き換える（省略したプロファイルの属性は既定値に、省略した details は空に戻る）。開始済みの審査には影響しない（審査は開始時のプロファイルを保持する）。テナントのスタッフのみ。閲覧者は 403、事業者・他テナントは 404。 / Replaces the whole service (omitted profile attributes revert to defaults, omitted details to empty); open assessments keep the profile they started with. Tenant staff only; viewers 403; vendors and other tenants 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Json("ServiceInput"),
            ok: (
                200,
                json_response(
                    "更新後のサービス / The updated service",
                    schema_ref("Service"),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/services/{id}/assessments",
            id: "openAssessment",
            tag: "assessments",
            summary: "審査の開始 / Open an assessment of a service",
            description: "サービスの審査を開始する（status open）。段階 (phase) と基準カタログから、サービスの現在のプロファイルに適用される項目（要求事項 × 対象者、必須・推奨）が作られ、プロファイルは審査に保存される。続いて事業者を招待する (POST /assessments/{id}/invitations)。未知・重複したカタログ、空のカタログ一覧、contract などの段階は 400 invalid_field。テナントのスタッフのみ。閲覧者は 403、事業者・他テナントは 404。 / Opens an assessment: the items (requirement x party, required or recommended) are derived from the service's current profile for the chosen catalogs, and the profile is kept with the assessment. Tenant staff only; viewers 403; vendors and other tenants 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Json("NewAssessmentRequest"),
            ok: (
                201,
                json_response(
                    "開始した審査 / The new assessment",
                    schema_ref("Assessment"),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/assessments",
            id: "listAssessments",
            tag: "assessments",
            summary: "テナントの審査の一覧 / List a tenant's assessments",
            description: "テナントの審査（新しい順）。システム管理者と、そのテナントのテナント管理者・審査担当者・閲覧者のみ。事業者（GET /me/assessments を使う）と他テナントは 404。 / The tenant's assessments, newest first, for system administrators and the tenant's administrators, reviewers and viewers; vendors (see GET /me/assessments) and other tenants get 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("審査 / Assessments", array_of("Assessment")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/dashboard",
            id: "getTenantDashboard",
            tag: "dashboard",
            summary: "テナントのダッシュボード / A tenant's dashboard",
            description: "テナントの概況: 最新の審査の状態ごとのサービス数、審査中の審査（審査担当者の確認待ちと事業者の回答待ちの項目数）、判定済みの審査の期限を過ぎた条件、有効期限が 90 日以内か過ぎた登録（ISMAP・ISMAP-LIU・LGWAN-ASP）と認証、再審査の時期を迎えたサービス（審査中の審査がなく、一度も判定していないか、最後の判定からテナント設定 reassessment_months か月が過ぎたもの）。日付は Asia/Tokyo。システム管理者と、そのテナントのテナント管理者・審査担当者・閲覧者が読める。事業者・他テナント・存在しないテナントは 404。 / The tenant at a glance: services per the state of their latest assessment, open assessments with the items waiting for the reviewer and for the vendors, overdue conditions of decided assessments, registrations (ISMAP, ISMAP-LIU, LGWAN-ASP) and certifications expiring within 90 days or expired, and services due for re-assessment (no open assessment, and never decided or last decided reassessment_months ago, a tenant setting). Dates are Asia/Tokyo. For system administrators and the tenant's administrators, reviewers and viewers; vendors, other and unknown tenants get 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("ダッシュボード / The dashboard", schema_ref("Dashboard")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/me/assessments",
            id: "listMyAssessments",
            tag: "assessments",
            summary: "招待された審査の一覧 / List the assessments the caller is invited to",
            description: "自分（事業者の利用者）が招待された審査（新しい順）を、事業者向けの表示（プロファイルと判定の記録を含まない）で返す。招待されていなければ空の一覧。 / The assessments the caller, a vendor user, is invited to, newest first, in the vendor view (no profile, no decision record); empty when not invited.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("招待された審査 / Assessments", array_of("VendorAssessment")),
            ),
            errors: vec![],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}",
            id: "getAssessment",
            tag: "assessments",
            summary: "審査の取得 / Get an assessment",
            description: "テナントのスタッフと閲覧者には審査の全体、項目の状態ごとの件数と招待 (AssessmentDetail)。招待された事業者には事業者向けの表示、自分の対象者と、自分の項目の件数 (VendorAssessmentDetail)。それ以外（他テナント、招待されていない事業者）は 404。 / Tenant staff and viewers get the whole assessment, item counts and invitations; an invited vendor gets the vendor view, its party and its own items' counts; anyone else 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response(
                    "審査 / The assessment",
                    json!({"oneOf": [schema_ref("AssessmentDetail"), schema_ref("VendorAssessmentDetail")]}),
                ),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/invitations",
            id: "inviteVendor",
            tag: "assessments",
            summary: "事業者の招待 / Invite a vendor user",
            description: "事業者 (vendor) の利用者を、一つの対象者 (party) の項目に回答するよう招待する。招待された利用者はこの審査と自分の対象者の項目だけを見て回答する。サービスにその対象者の組織が登録されていれば、その組織の利用者に限る（違えば 400 invalid_field）。一人の利用者は一つの審査に一度だけ（二度目は 409 conflict）。招待すると、その対象者の未回答の項目を、招待した利用者の組織の回答マスタから補完する（POST /assessments/{id}/prefill と同じ規則。補完した回答は prefilled = true、事業者の確認が必要）。テナントのスタッフのみ。閲覧者と招待された事業者は 403、それ以外は 404。 / Invites a vendor user to answer one party's items; the user then sees this assessment and that party's items only. Must belong to the service's organisation for the party, if set. Once per user and assessment (409). On invitation the party's unanswered items are pre-filled from the invited user's organisation's answer library (the rules of POST /assessments/{id}/prefill; pre-filled answers are marked prefilled = true and must be confirmed by the vendor). Tenant staff only; viewers and invited vendors 403; others 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Json("NewInvitationRequest"),
            ok: (204, json!({"description": "招待した / Invited"})),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}/items",
            id: "listAssessmentItems",
            tag: "assessments",
            summary: "審査の項目の一覧 / List an assessment's items",
            description: "審査の項目（チェックリストの順）を、要求事項の本文、状態、回答（下書きを含む）と審査担当者のコメントとともに返す。回答マスタから補完され、事業者がまだ確認していない回答は prefilled = true。テナントのスタッフと閲覧者にはすべての項目、招待された事業者には自分の対象者の項目だけ。それ以外は 404。 / The checklist in order, with requirement text, state, answer (drafts included) and the reviewer's comment; answers pre-filled from the answer library and not yet confirmed have prefilled = true. Every item for tenant staff and viewers, only its own party's for an invited vendor; 404 for anyone else.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("項目 / Items", array_of("AssessmentItem")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/assessments/{id}/items/{catalog}/{requirement}/{party}",
            id: "answerAssessmentItem",
            tag: "assessments",
            summary: "項目への回答（下書き保存） / Answer an item (saved as a draft)",
            description: "招待された事業者が自分の対象者の項目に回答する。回答は下書きとして保存され、状態が open（回答中）か returned（差戻し）の間は何度でも上書きできる。状態は変わらず、審査担当者に渡すのは提出 (POST /assessments/{id}/submit) のとき。回答の規則は AnswerInput（status は必須、not_applicable には reason、plan と due は両方かどちらもなし。違反は 400 invalid_field）。submitted・accepted の項目は 409 not_editable、判定済みの審査は 409 conflict。保存すると回答マスタから補完された回答の確認になり (prefilled = false)、回答は事業者の組織の回答マスタにも、審査のテナントを出どころとして保存される（同じ要求事項・対象者・product 空の項目を置き換える）。テナントのスタッフと閲覧者は回答できない (403)。他の対象者の項目、存在しない項目は 404。 / An invited vendor answers one of its party's items. Answers are drafts: rewritable while the item is open or returned; the state changes only on submission. Submitted or accepted items are 409 not_editable, a decided assessment 409 conflict. Saving confirms an answer pre-filled from the library (prefilled becomes false), and the answer is also kept in the organisation's answer library with the assessment's tenant as its origin (replacing the entry for the same requirement and party, empty product). Staff and viewers cannot answer (403); the other party's items and unknown items are 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("AssessmentId"),
                param_ref("ItemCatalog"),
                param_ref("ItemRequirement"),
                param_ref("ItemParty"),
            ],
            body: RequestBody::Json("AnswerInput"),
            ok: (
                200,
                json_response(
                    "保存した項目 / The item as saved",
                    schema_ref("AssessmentItem"),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict", "not_editable"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/items/{catalog}/{requirement}/{party}/review",
            id: "reviewAssessmentItem",
            tag: "assessments",
            summary: "項目の受理・差戻し / Accept or return an item",
            description: "テナントのスタッフが提出済み (submitted) の項目を受理する (accept → accepted) か、理由 (comment、必須) を付けて差し戻す (return → returned)。受理済みの項目も差し戻せる。差し戻された項目は、事業者が回答し直して再提出する。回答中・差戻しの項目は 409 not_reviewable、判定済みの審査は 409 conflict、差戻しに comment がなければ 400 invalid_field。閲覧者と招待された事業者は 403（事業者に見えない項目は 404）。それ以外は 404。 / Tenant staff accept a submitted item or return it with a comment (required); accepted items may be returned too; the vendor answers a returned item again and resubmits. Open or returned items are 409 not_reviewable, a decided assessment 409 conflict. Viewers and invited vendors 403; others 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("AssessmentId"),
                param_ref("ItemCatalog"),
                param_ref("ItemRequirement"),
                param_ref("ItemParty"),
            ],
            body: RequestBody::Json("Review"),
            ok: (
                200,
                json_response(
                    "確認した項目 / The reviewed item",
                    schema_ref("AssessmentItem"),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict", "not_reviewable"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/submit",
            id: "submitAssessment",
            tag: "assessments",
            summary: "回答の提出 / Submit the answers",
            description: "招待された事業者が、自分の対象者の回答中 (open) と差戻し (returned) の項目をまとめて提出する（submitted、審査待ち）。回答マスタから補完されたまま確認（保存）していない回答があれば 400 unconfirmed_prefill（先に検査する）。それらすべてに回答が必要で、未回答があれば 400 unanswered_items。どちらの場合も何も提出されない。提出する項目がない、または判定済みの審査は 409 conflict。事業者以外は 403、招待されていなければ 404。本文なし。 / An invited vendor submits all of its party's open and returned items at once. Answers pre-filled from the library must have been confirmed by saving them (400 unconfirmed_prefill, checked first), and every item must be answered (400 unanswered_items); either way nothing is submitted. Nothing to submit or a decided assessment is 409 conflict. Anyone but the vendor 403; not invited 404. No body.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("提出した / Submitted", schema_ref("SubmitResult")),
            ),
            errors: vec![
                (400, vec!["unconfirmed_prefill", "unanswered_items"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}/evaluation",
            id: "getAssessmentEvaluation",
            tag: "assessments",
            summary: "回答からの評価 / The evaluation computed from the answers",
            description: "現在の回答（下書きを含む）から算出した評価: カタログごとの判定・集計・項目・満たされていない項目 (gaps)。verdict は全カタログのうち最も悪い判定で、記録できる最良の判定。kijun assess --format json の catalogs と同じ形。テナントのスタッフと閲覧者のみ。事業者と他テナントは 404。 / The evaluation from the current answers, drafts included: per catalog the verdict, summary, items and gaps; `verdict` is the worst of them, the best that may be recorded. Tenant staff and viewers only; vendors and other tenants 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("評価 / The evaluation", schema_ref("Evaluation")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/conditions/{n}/met",
            id: "recordConditionMet",
            tag: "assessments",
            summary: "条件の達成の記録 / Record a condition as met",
            description: "判定済みの審査の条件 n（判定の conditions の 0 から数えた位置）が達成されたことを、内容 (note、2000 文字まで) とともに記録する（met_at・met_by・met_note が加わる）。達成済みの条件はダッシュボードの期限超過に出ない。一つの条件に一度だけ（二度目は 409 conflict）。存在しない条件は 404。判定前の審査は 409。判定が同時に変更されていれば 409。テナントのスタッフのみ。閲覧者と事業者は 403、それ以外は 404。履歴 (condition_met) と監査ログ (assessment_condition_met) に記録される。返すのは更新後の判定。 / Records that condition n (0-based, in the decision's order) of a decided assessment has been met, with a note of how (up to 2000 characters); a met condition is no longer listed as overdue. Once per condition (409 after); unknown condition 404; an undecided assessment 409. Tenant staff only. Returns the updated decision.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("AssessmentId"),
                param_ref("ConditionIndex"),
            ],
            body: RequestBody::Json("ConditionMet"),
            ok: (
                200,
                json_response("更新後の判定 / The updated decision", schema_ref("Decision")),
            ),
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}/report",
            id: "getAssessmentReport",
            tag: "assessments",
            summary: "審査結果報告書 / The assessment result report",
            description: "審査結果報告書（サービス、プロファイル、適用した基準、基準ごとの判定と集計、指摘事項、条件と期限、判定理由、審査者と判定日）を PDF または印刷用 HTML で返す。判定前は回答から算出した結果と「未判定」を示す。テナントのスタッフと閲覧者のみ。事業者と他テナントは 404。出力は監査ログ (assessment_report_exported) に記録される。 / The assessment result report (service, profile, catalogs, verdict and counts per catalog, gaps, conditions with due dates, note, reviewer and date) as PDF or printable HTML; before the decision it shows the computed result and 未判定. Tenant staff and viewers only; vendors and other tenants 404. Logged as assessment_report_exported.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId"), param_ref("ReportFormat")],
            body: RequestBody::Empty,
            ok: (200, report_content("審査結果報告書 / The report")),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}/checklist",
            id: "getAssessmentChecklist",
            tag: "assessments",
            summary: "チェックリスト（PDF・HTML・Excel） / The checklist as PDF, HTML or Excel",
            description: "審査のチェックリスト。format=pdf（A4 横、日本語フォント埋め込み）・html（印刷用 CSS）は印刷用で、カタログごとに段階・分類で区切り、No・項目・要求事項・実施基準・実施例・対象者ごとの必須/推奨と回答・説明・指摘を示す。format=xlsx は記入して戻すための Excel ファイル（カタログごとのシート、回答欄だけ編集可、非表示の項目 ID と審査 ID 付き。レイアウトは docs/xlsx.md）。招待された事業者には自分の対象者の行だけ（他の対象者を party に指定すると 404）。テナントのスタッフと閲覧者は party（integrator・provider・both、既定 both）で選べる。それ以外は 404。出力は監査ログ（PDF・HTML は checklist_report_exported、xlsx は checklist_exported）に記録される。 / The assessment's checklist: pdf (A4 landscape, Japanese font embedded) and html (print CSS) for printing; xlsx to fill in and send back (one sheet per catalog, only the answer cells editable, hidden item and assessment ids; layout in docs/xlsx.md). An invited vendor gets only its own party (naming another party: 404); staff and viewers choose with `party` (default both). Others 404. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("AssessmentId"),
                json!({
                    "name": "format", "in": "query", "required": false,
                    "schema": {"type": "string", "enum": ["pdf", "html", "xlsx"], "default": "pdf"},
                    "description": "出力形式 / Output format",
                }),
                param_ref("ChecklistParty"),
            ],
            body: RequestBody::Empty,
            ok: (200, {
                let mut v = report_content("チェックリスト / The checklist");
                v["content"][XLSX_MEDIA_TYPE] = json!({"schema": {"contentMediaType": XLSX_MEDIA_TYPE}});
                v
            }),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/checklist",
            id: "importAssessmentChecklist",
            tag: "assessments",
            summary: "記入済みチェックリストの取り込み / Import a filled-in checklist",
            description: "GET ?format=xlsx で出力し記入した Excel ファイル（本文はファイルそのもの）から回答を取り込む。すべての行を先に検査し、問題（不明な回答値、理由のない該当なし、他の対象者の行の変更、要求事項の文言の変更、他の審査のファイル、不明・重複の項目 ID など）が一つでもあれば 400 invalid_checklist と problems（シート・行・列・見出し・値・対処）をすべて返し、何も保存しない。提出済み・確認済みの項目の回答が変わっていれば 409 not_editable（problems 付き）で何も保存しない。保存は一つのトランザクションで、変わった項目だけを保存し（同じファイルの再取り込みは何も変えない）、変更があれば監査ログ（checklist_imported、ファイルの SHA-256 付き）に記録する。招待された事業者は自分の対象者の回答を、テナントのスタッフは party を指定して事業者に代わって取り込める。閲覧者は 403、それ以外は 404。上限は max_evidence_bytes。 / Imports answers from a filled-in workbook exported by GET ?format=xlsx (raw file as the body). Every row is checked first; any problem gives 400 invalid_checklist with every problem (sheet, row, column, heading, value, what to do) and nothing is stored. Changed answers of submitted or accepted items: 409 not_editable, nothing stored. One transaction; only changed items are written (the same file twice changes nothing); audit-logged as checklist_imported with the file's SHA-256. An invited vendor imports its own party; staff name the party. Viewers 403; others 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId"), param_ref("ChecklistParty")],
            body: RequestBody::Raw(&[XLSX_MEDIA_TYPE]),
            ok: (
                200,
                json_response(
                    "取り込みの結果 / What the import did",
                    json!({
                        "type": "object",
                        "required": ["answers", "changed", "sha256"],
                        "additionalProperties": false,
                        "properties": {
                            "answers": {"type": "integer", "description": "ファイルから読んだ回答の数 / Answers read from the file"},
                            "changed": {"type": "integer", "description": "保存した（変わった）回答の数 / Answers that changed and were stored"},
                            "sha256": {"type": "string", "description": "ファイルの SHA-256 / The file's SHA-256"},
                        },
                    }),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_checklist", "invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict", "not_editable"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/verdict",
            id: "recordAssessmentVerdict",
            tag: "assessments",
            summary: "判定の記録 / Record the verdict",
            description: "判定を理由 (note) とともに記録し、審査を閉じる（status decided、一度だけ。二度目は 409 conflict）。承認・条件付き承認には、すべての項目の受理 (accepted) が必要（409 review_incomplete。不承認はいつでも記録できる）。判定は回答が裏付けるもの (GET /assessments/{id}/evaluation の verdict) より良くできない（400 verdict_not_supported。より厳しい判定は可）。条件付き承認には期限付きの条件が必要: 審査担当者の conditions に、是正計画付きの一部適合の回答からの条件が自動で加わる（source answer）。テナントのスタッフのみ。閲覧者と招待された事業者は 403、それ以外は 404。 / Records the verdict with a reasoned note and closes the assessment, once. Approving needs every item accepted (409 review_incomplete; a rejection may be recorded any time); the verdict may not be better than the answers support (400 verdict_not_supported). A conditional approval needs conditions with due dates; those of partial answers' plans are added. Tenant staff only; viewers and vendors 403; others 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Json("VerdictInput"),
            ok: (
                200,
                json_response(
                    "記録した判定 / The recorded decision",
                    schema_ref("Decision"),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_field", "verdict_not_supported"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict", "review_incomplete"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}/history",
            id: "getAssessmentHistory",
            tag: "assessments",
            summary: "審査の履歴 / An assessment's history",
            description: "審査のすべての出来事（開始・招待・回答マスタからの補完・回答・提出・受理・差戻し・判定）を古い順に返す。テナントのスタッフと閲覧者にはすべて。招待された事業者には、自分の対象者の項目の出来事と、項目に属さない出来事（招待と判定を除く）だけ。それ以外は 404。 / Every transition, oldest first: all of them for tenant staff and viewers; for an invited vendor its own party's item events and the assessment-wide ones except invitations and the decision; 404 for anyone else.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("履歴 / History", array_of("HistoryEntry")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/evidence",
            id: "uploadEvidence",
            tag: "evidence",
            summary: "証跡ファイルの登録 / Upload an evidence file",
            description: "審査に証跡ファイルを一つ登録する。本文はファイルそのもの（例: curl --data-binary @report.pdf）で、種類を Content-Type ヘッダーで申告する。サーバーは種類を内容で判定し、申告と一致しない、許可されていない種類、空のファイルは 400 invalid_evidence。ファイル名はクエリの filename（表示用）。上限はサーバー設定 max_evidence_bytes（既定 20 MiB）で、超えると 413 payload_too_large。ファイルはテナントのデータ鍵（マスター鍵で包んだもの）で暗号化して保存し、平文の SHA-256 を記録する。テナントのスタッフ（システム管理者・テナント管理者・審査担当者）と招待された事業者が登録できる。事業者が登録したファイルはその対象者のものになり、他の対象者の事業者には見えない（スタッフの登録したものは事業者には見えない）。閲覧者は 403、それ以外（他テナント、招待されていない事業者）は 404。マスター鍵の設定が合わなければ 503 master_key_mismatch。登録は監査ログ (evidence_uploaded) に記録される。 / Uploads one file to the assessment. The body is the raw file, its type declared by Content-Type and checked against the content: a mismatch, a type not allowed or an empty file is 400 invalid_evidence; `filename` names it for display; at most max_evidence_bytes (20 MiB by default, else 413). Stored encrypted under the tenant's data key (wrapped by the master key), with the plaintext's SHA-256. Tenant staff and invited vendors may upload; a vendor's file belongs to its party and is hidden from the other party's vendor (staff uploads are hidden from vendors). Viewers 403; others 404; a wrong master key 503. Logged as evidence_uploaded.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId"), param_ref("EvidenceFilename")],
            body: RequestBody::File,
            ok: (
                201,
                json_response(
                    "登録した証跡ファイル / The registered file",
                    schema_ref("EvidenceRecord"),
                ),
            ),
            errors: vec![
                (400, vec!["invalid_field", "invalid_evidence"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (503, vec!["master_key_mismatch"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/assessments/{id}/evidence",
            id: "listEvidence",
            tag: "evidence",
            summary: "証跡ファイルの一覧 / List an assessment's evidence files",
            description: "審査に登録された証跡ファイルの台帳の記録（中身は含まない。取得は GET /evidence/{id}）。テナントのスタッフと閲覧者にはすべて、招待された事業者には自分の対象者が登録したものだけ（スタッフや他の対象者が登録したものは含まない）。それ以外は 404。並び順は定めない。 / The register entries of the assessment's files, not their content (fetch that with GET /evidence/{id}): every file for tenant staff and viewers, only those its own party uploaded for an invited vendor; 404 for anyone else. The order is unspecified.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("証跡ファイル / Evidence files", array_of("EvidenceRecord")),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/evidence/{id}",
            id: "downloadEvidence",
            tag: "evidence",
            summary: "証跡ファイルの取得（ダウンロード） / Download an evidence file",
            description: "ファイルを復号し、すべてのチャンクの検証と大きさ・SHA-256 の照合を済ませてから、登録時に記録した Content-Type で返す（Content-Disposition: attachment、X-Content-SHA256、X-Content-Type-Options: nosniff 付き）。照合に失敗すれば内容を一切返さず 500 evidence_tampered、マスター鍵の設定が合わなければ 503 master_key_mismatch。見える範囲は一覧と同じ: テナントのスタッフと閲覧者にはすべて、招待された事業者には自分の対象者が登録したものだけ。それ以外（存在しない、他テナント、他の対象者やスタッフが登録したもの）は 404。取得するたびに監査ログ (evidence_downloaded、ファイル名と SHA-256 付き) に記録される。 / Decrypts the file and verifies every chunk, its size and its SHA-256 before returning it with the recorded Content-Type, Content-Disposition: attachment, X-Content-SHA256 and X-Content-Type-Options: nosniff. If a check fails nothing is returned: 500 evidence_tampered; a wrong master key is 503. Visible as in the list, anything else 404. Every download is audit-logged (evidence_downloaded, with filename and SHA-256).",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("EvidenceId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json!({
                    "description": "ファイルの内容（復号し照合済み）。Content-Type は EvidenceRecord の content_type / The file's bytes, decrypted and verified, with the recorded content_type as Content-Type",
                    "headers": {
                        "Content-Disposition": {"$ref": "#/components/headers/EvidenceContentDisposition"},
                        "X-Content-SHA256": {"$ref": "#/components/headers/ContentSha256"},
                        "X-Content-Type-Options": {"$ref": "#/components/headers/NoSniff"},
                    },
                    "content": binary_content(),
                }),
            ),
            errors: vec![
                (404, vec!["not_found"]),
                (500, vec!["evidence_tampered"]),
                (503, vec!["master_key_mismatch"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/library",
            id: "listLibrary",
            tag: "library",
            summary: "回答マスタの一覧 / List the answer library",
            description: "自分の組織の回答マスタのすべての項目（scope・key・party・product の順）。審査で保存した回答も、出どころのテナント (origin_tenant_id) 付きで含む。事業者 (vendor) の利用者のみ、それ以外は 403。 / Every entry of the caller's organisation's library, ordered by scope, key, party and product, including the answers saved in assessments with their origin tenant. Vendor users only; anyone else 403.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("回答マスタ / The library", array_of("LibraryEntry")),
            ),
            errors: vec![(403, vec!["forbidden"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/library",
            id: "putLibraryEntry",
            tag: "library",
            summary: "回答マスタの項目の登録・置き換え / Add or replace a library entry",
            description: "要求事項ごと（scope requirement、key は カタログ ID/要求事項 ID）または共通管理策ごと（scope control、key は管理策 ID）の回答を、対象者ごと、任意で製品ごとに登録する。(product, scope, key, party) が同じ項目は置き換える。ここで登録・更新した項目は出どころのテナントを持たない (origin_tenant_id null) ので、組織が同意したテナントでだけ補完に使われる（審査で保存した項目をここで更新した場合も同じ）。scope が requirement / control 以外、key が読み込まれたカタログにないものは 400 invalid_field（field は scope・key）。回答は審査の回答と同じ規則で検査する（400 invalid_field、field は answer.status など）。事業者の利用者のみ、それ以外は 403。 / Adds an answer per requirement (key catalog/requirement) or per common control (key the control id), per party and optionally per product, replacing the entry with the same product, scope, key and party. Entries written here have no origin tenant, so they pre-fill only in tenants the organisation consented to (also when they replace an entry saved in an assessment). An unknown scope or key is 400 invalid_field; the answer is checked as in an assessment (field answer.status etc.). Vendor users only; anyone else 403.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: RequestBody::Json("LibraryEntryInput"),
            ok: (
                200,
                json_response(
                    "保存した項目 / The entry as saved",
                    schema_ref("LibraryEntry"),
                ),
            ),
            errors: vec![(400, vec!["invalid_field"]), (403, vec!["forbidden"])],
            can_fail: true,
        },
        Op {
            method: "DELETE",
            path: "/library",
            id: "deleteLibraryEntry",
            tag: "library",
            summary: "回答マスタの項目の削除 / Delete a library entry",
            description: "本文の product・scope・key・party で指定した項目を削除する（DELETE に JSON の本文を付ける）。該当する項目がなければ 404。審査にすでに補完された回答は変わらない。事業者の利用者のみ、それ以外は 403。 / Deletes the entry named by the body's product, scope, key and party (a DELETE with a JSON body); 404 if there is none. Answers already pre-filled into assessments stay. Vendor users only; anyone else 403.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: RequestBody::Json("LibraryEntryKey"),
            ok: (204, json!({"description": "削除した / Deleted"})),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/library/consents",
            id: "listLibraryConsents",
            tag: "library",
            summary: "回答マスタの利用への同意の一覧 / List the library consents",
            description: "自分の組織の同意（撤回したものを含む、テナント ID の順）。revoked_at が null のものが有効。事業者の利用者のみ、それ以外は 403。 / The organisation's consents by tenant id, revoked ones included; those with revoked_at null are in force. Vendor users only; anyone else 403.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: RequestBody::Empty,
            ok: (200, json_response("同意 / Consents", array_of("Consent"))),
            errors: vec![(403, vec!["forbidden"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/library/consents",
            id: "grantLibraryConsent",
            tag: "library",
            summary: "回答マスタの利用への同意 / Consent to using the library in a tenant",
            description: "自分の組織の回答マスタ全体（他のテナントの審査で保存した回答と、直接登録した回答を含む）を、テナントの審査の補完に使うことに同意する。同意がなければ、テナントにはそのテナントの審査で保存した回答だけが使われる。同意できるのは、組織が関わるテナント（組織が提供者・導入事業者であるサービスのあるテナント、または組織の利用者のだれかが審査に招待されているテナント）だけ（それ以外は 404、field は tenant_id）。同意済み・撤回済みのテナントに送ると同意し直す（granted_at を新しくし、撤回を取り消す）。監査ログ (library_consent_granted) に記録される。事業者の利用者のみ、それ以外は 403。 / Consents to using the organisation's whole library (answers saved in other tenants' assessments and entered directly) to pre-fill the tenant's assessments; without consent a tenant gets only the answers saved in its own assessments. Only for tenants the organisation works for: with a service it provides or integrates, or an assessment any of its users is invited to (else 404, field tenant_id). Granting again renews granted_at and lifts a revocation. Audit-logged as library_consent_granted. Vendor users only; anyone else 403.",
            auth: Auth::Full,
            bearer: true,
            params: vec![],
            body: RequestBody::Json("ConsentInput"),
            ok: (204, json!({"description": "同意した / Granted"})),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "DELETE",
            path: "/library/consents/{tenant_id}",
            id: "revokeLibraryConsent",
            tag: "library",
            summary: "回答マスタの利用への同意の撤回 / Revoke a library consent",
            description: "テナントへの同意を撤回する。以後そのテナントには、そのテナントの審査で保存した回答だけが補完に使われる（すでに補完された回答は変わらない）。有効な同意がなければ 404。監査ログ (library_consent_revoked) に記録される。事業者の利用者のみ、それ以外は 403。 / Revokes the consent to a tenant: from then on only answers saved in that tenant's assessments pre-fill there (answers already pre-filled stay). 404 if no consent is in force. Audit-logged as library_consent_revoked. Vendor users only; anyone else 403.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ConsentTenantId")],
            body: RequestBody::Empty,
            ok: (204, json!({"description": "撤回した / Revoked"})),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/assessments/{id}/prefill",
            id: "prefillAssessment",
            tag: "library",
            summary: "回答マスタからの補完 / Pre-fill an assessment from the answer library",
            description: "招待された事業者が、自分の対象者の項目のうち回答中 (open) で未回答のものを、自分の組織の回答マスタから補完する（回答のある項目、差戻し・提出済み・受理済みの項目は変えない）。使うのは同じ対象者の項目のうち、審査のテナントの審査で保存されたもの、または組織がそのテナントに同意していれば回答マスタのすべて。要求事項の項目 (scope requirement) を優先し、なければ要求事項の共通管理策の項目 (scope control) を使う。product は区別しない（product が空の項目が先）。補完した回答には prefilled = true の印が付き、事業者が確かめて保存する (PUT …/items/…) まで提出できない（400 unconfirmed_prefill）。招待のときにも同じ補完が自動で行われる。履歴 (prefilled) と監査ログ (assessment_prefilled) に記録される。本文なし。テナントのスタッフと閲覧者は 403、それ以外は 404。 / An invited vendor fills its party's open, unanswered items from its organisation's library (answered, returned, submitted and accepted items are left alone), using the entries for that party that were saved in the assessment's tenant, or the whole library if the organisation consented to that tenant; an entry for the requirement first, else one for a common control of it; product is not told apart (empty product first). Pre-filled answers are marked prefilled = true and block submission (400 unconfirmed_prefill) until the vendor reviews and saves them. The same pre-fill runs on invitation. Logged in the history (prefilled) and the audit log (assessment_prefilled). No body. Tenant staff and viewers 403; others 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("AssessmentId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("補完した / Pre-filled", schema_ref("PrefillResult")),
            ),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
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
            body: RequestBody::Empty,
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
            body: RequestBody::Empty,
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
    .into_iter()
    .chain(notification_ops())
    .collect()
}

// ---------------------------------------------------------------------------
// Notifications (routes/notify.rs)

fn alert_kind() -> Value {
    let kinds: Vec<Value> = crate::notify::ALERT_KINDS
        .iter()
        .filter(|(k, _)| *k != "test")
        .map(|(k, label)| json!({"const": k, "description": label}))
        .collect();
    json!({
        "type": "string",
        "oneOf": kinds,
        "description": "通知の種類 / Alert kind",
    })
}

fn alert_kinds(description: &str) -> Value {
    json!({"type": "array", "items": schema_ref("NotificationKind"), "uniqueItems": true,
           "description": description})
}

fn notification_schemas(schemas: &mut Map<String, Value>) {
    schemas.insert("NotificationKind".into(), alert_kind());
    let kinds = || {
        alert_kinds(
            "送る通知の種類。空の配列（既定）はすべての種類 / The alert kinds sent here; empty (the default): every kind",
        )
    };
    let secret = || {
        json!({"type": "string", "format": "password", "minLength": 16, "maxLength": 256,
               "writeOnly": true,
               "description": "Webhook の署名 (HMAC-SHA256) に使う秘密鍵。制御文字を含まない16〜256文字。保存時に暗号化され、二度と返さない / The webhook's HMAC-SHA256 key, 16-256 characters without control characters; stored encrypted and never returned"})
    };
    let address = || {
        json!({"type": "string", "format": "email", "maxLength": 254,
               "description": "メールアドレス（type が email のとき必須、webhook では指定不可） / E-mail address: required for email, refused for webhook"})
    };
    let url = || {
        json!({"type": "string", "format": "uri", "maxLength": 2000,
               "description": "Webhook の URL（type が webhook のとき必須、email では指定不可）。https:// のみ（サーバー設定 webhook_require_https = false なら http:// も）。利用者情報 (user@)・フラグメント不可。内部向けアドレス（ループバック・プライベート・リンクローカルなど）はサーバー設定 webhook_allow_private_addresses = true のときだけ / Webhook URL: required for webhook, refused for email; https only unless the server allows http; no userinfo or fragment; internal addresses only if the server allows them"})
    };
    schemas.insert(
        "NotificationChannel".into(),
        object(
            "通知先（メールの宛先または Webhook）。Webhook の秘密鍵は返さない / A notification channel (e-mail recipient or webhook); the webhook secret is never returned",
            &[
                "id",
                "type",
                "name",
                "address",
                "url",
                "has_secret",
                "kinds",
                "created_at",
                "updated_at",
            ],
            false,
            vec![
                ("id", string("通知先 ID / Channel id")),
                (
                    "type",
                    string_enum(
                        "種別: email = メール (SMTP), webhook = 署名付き Webhook / Kind",
                        &["email", "webhook"],
                    ),
                ),
                ("name", string("名称（例: 情報政策課） / Label")),
                (
                    "address",
                    nullable_string("メールアドレス（webhook は null） / E-mail address; null for webhooks"),
                ),
                (
                    "url",
                    nullable_string("Webhook の URL（email は null） / Webhook URL; null for e-mail"),
                ),
                (
                    "has_secret",
                    boolean("秘密鍵が設定されている（webhook は常に true） / A secret is set (always for webhooks)"),
                ),
                ("kinds", kinds()),
                ("created_at", timestamp("作成日時 (UTC) / Created at")),
                ("updated_at", timestamp("更新日時 (UTC) / Updated at")),
            ],
        ),
    );
    schemas.insert(
        "NewNotificationChannel".into(),
        object(
            "通知先の登録 / A new notification channel",
            &["type", "name"],
            true,
            vec![
                (
                    "type",
                    string_enum("種別 / Kind", &["email", "webhook"]),
                ),
                ("name", display_name("名称 / Label")),
                ("address", address()),
                ("url", url()),
                (
                    "secret",
                    with(
                        secret(),
                        "description",
                        json!("Webhook の署名 (HMAC-SHA256) に使う秘密鍵（webhook では必須、email では指定不可）。制御文字を含まない16〜256文字。保存時に暗号化され、二度と返さない / The webhook's HMAC-SHA256 key: required for webhook, refused for email; 16-256 characters; stored encrypted, never returned"),
                    ),
                ),
                ("kinds", kinds()),
            ],
        ),
    );
    schemas.insert(
        "NotificationChannelUpdate".into(),
        object(
            "通知先の変更（種別は変えられない）。name・address または url・kinds を置き換え、secret を省略すると秘密鍵はそのまま / A channel change (the kind cannot change): replaces name, address or url and kinds; without secret the stored one is kept",
            &["name"],
            true,
            vec![
                ("name", display_name("名称 / Label")),
                ("address", address()),
                ("url", url()),
                ("secret", secret()),
                ("kinds", kinds()),
            ],
        ),
    );
    schemas.insert(
        "DeliveryAttempt".into(),
        object(
            "送信の試行 1 回 / One delivery attempt",
            &["attempt", "at", "ok", "error"],
            false,
            vec![
                (
                    "attempt",
                    json!({"type": "integer", "minimum": 1, "description": "何回目か（1 から） / Attempt number, from 1"}),
                ),
                ("at", timestamp("試行した日時 (UTC) / When")),
                ("ok", boolean("送信できた / Delivered")),
                (
                    "error",
                    nullable_string("失敗の理由（成功なら null） / Why it failed; null on success"),
                ),
            ],
        ),
    );
    schemas.insert(
        "DeliveryLogEntry".into(),
        object(
            "配信記録: 通知 1 件の通知先 1 件への配信と、そのすべての試行 / One notification's delivery to one channel, with every attempt",
            &[
                "id",
                "notification_id",
                "tenant_id",
                "channel",
                "channel_id",
                "target",
                "status",
                "attempts",
                "next_attempt_at",
                "last_error",
                "sent_at",
                "created_at",
                "kind",
                "subject",
                "history",
            ],
            false,
            vec![
                (
                    "id",
                    string("配信 ID（Webhook の X-Kijun-Delivery） / Delivery id (the webhook's X-Kijun-Delivery)"),
                ),
                ("notification_id", string("通知 ID / Notification id")),
                ("tenant_id", string("テナント ID / Tenant id")),
                (
                    "channel",
                    string_enum("種別 / Channel kind", &["email", "webhook"]),
                ),
                (
                    "channel_id",
                    nullable_string("通知先 ID（削除済みでも残る） / The channel's id (kept after it is deleted)"),
                ),
                (
                    "target",
                    string("メールアドレス、または Webhook の通知先 ID / The e-mail address, or the webhook channel's id"),
                ),
                (
                    "status",
                    string_enum(
                        "状態: pending = 未送信, failed = 失敗（next_attempt_at に再試行）, sent = 送信済み, gave_up = 断念（再試行の上限、恒久的な失敗、通知先の削除） / pending, failed (retried at next_attempt_at), sent, gave_up",
                        &["pending", "failed", "sent", "gave_up"],
                    ),
                ),
                ("attempts", integer("試行した回数 / Attempts so far")),
                (
                    "next_attempt_at",
                    nullable_timestamp("次に試行する日時（送信済み・断念なら null） / When it is tried next; null once sent or given up"),
                ),
                (
                    "last_error",
                    nullable_string("最後の失敗の理由 / The last failure"),
                ),
                ("sent_at", nullable_timestamp("送信できた日時 / When delivered")),
                ("created_at", timestamp("通知を受け付けた日時 (UTC) / Enqueued at")),
                (
                    "kind",
                    string("通知の種類（NotificationKind または test） / Alert kind (a NotificationKind, or test)"),
                ),
                ("subject", string("件名 / Subject")),
                (
                    "history",
                    json!({"type": "array", "items": schema_ref("DeliveryAttempt"),
                           "description": "すべての試行（古い順） / Every attempt, oldest first"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "TestNotificationRequest".into(),
        object(
            "テスト通知の依頼 / A test notification request",
            &[],
            true,
            vec![
                (
                    "channel_id",
                    string("この通知先だけに送る（省略時はテナントのすべての通知先。種類の指定に関係なく送る） / Only this channel (default: every channel of the tenant, whatever kinds they take)"),
                ),
                (
                    "idempotency_key",
                    json!({"type": "string", "minLength": 1, "maxLength": 100,
                           "description": "同じキーで繰り返した依頼は何も送らない（duplicate = true） / A repeated request with the same key sends nothing (duplicate = true)"}),
                ),
            ],
        ),
    );
    schemas.insert(
        "TestNotificationQueued".into(),
        object(
            "受け付けたテスト通知。送信は非同期で、結果は配信記録で確かめる / The queued test notification; sending is asynchronous, see the delivery log",
            &["notification_id", "deliveries", "duplicate"],
            false,
            vec![
                (
                    "notification_id",
                    nullable_string("通知 ID（duplicate なら null） / Notification id; null when duplicate"),
                ),
                ("deliveries", integer("作った配信の数 / Deliveries queued")),
                (
                    "duplicate",
                    boolean("idempotency_key が使用済みで、何も送らなかった / The idempotency key was used before; nothing was queued"),
                ),
            ],
        ),
    );
}

#[allow(clippy::too_many_lines)]
fn notification_ops() -> Vec<Op> {
    let admin_only = "テナント管理者（自テナント）とシステム管理者のみ。他テナントは 404、テナントのその他の役割は 403。 / The tenant's administrators and system administrators; another tenant is 404, other roles of the tenant 403.";
    let channel = |description: &str| json_response(description, schema_ref("NotificationChannel"));
    vec![
        Op {
            method: "GET",
            path: "/tenants/{id}/notifications/channels",
            id: "listNotificationChannels",
            tag: "notifications",
            summary: "通知先の一覧 / List notification channels",
            description: admin_only,
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("通知先 / Channels", array_of("NotificationChannel")),
            ),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/tenants/{id}/notifications/channels",
            id: "createNotificationChannel",
            tag: "notifications",
            summary: "通知先の登録 / Add a notification channel",
            description: "メールの宛先 (type = email, address) または署名付き Webhook (type = webhook, url, secret) を登録する。kinds で送る通知の種類を選ぶ（空ならすべて）。Webhook の秘密鍵は暗号化して保存し、二度と返さない。登録は監査ログ (notification_channel_created) に記録される（Webhook は URL のオリジンだけ）。1テナント50件まで（超えると 409）。テナント管理者とシステム管理者のみ。 / Adds an e-mail recipient or a signed webhook; kinds picks the alerts (empty: all). The secret is stored encrypted and never returned. Audit-logged (webhooks by origin only). At most 50 per tenant (409).",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Json("NewNotificationChannel"),
            ok: (201, channel("登録した通知先 / The new channel")),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/notifications/channels/{channel_id}",
            id: "getNotificationChannel",
            tag: "notifications",
            summary: "通知先の取得 / Get a notification channel",
            description: admin_only,
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId"), param_ref("NotificationChannelId")],
            body: RequestBody::Empty,
            ok: (200, channel("通知先 / The channel")),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/tenants/{id}/notifications/channels/{channel_id}",
            id: "updateNotificationChannel",
            tag: "notifications",
            summary: "通知先の変更 / Change a notification channel",
            description: "名称・宛先 (address または url)・種類を置き換える。secret を省略すると秘密鍵はそのまま。種別 (email/webhook) は変えられない。監査ログ (notification_channel_updated) に記録される。テナント管理者とシステム管理者のみ。 / Replaces name, address or url and kinds; without secret the stored one is kept; the kind cannot change. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId"), param_ref("NotificationChannelId")],
            body: RequestBody::Json("NotificationChannelUpdate"),
            ok: (200, channel("変更後の通知先 / The changed channel")),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "DELETE",
            path: "/tenants/{id}/notifications/channels/{channel_id}",
            id: "deleteNotificationChannel",
            tag: "notifications",
            summary: "通知先の削除 / Delete a notification channel",
            description: "通知先を削除し、その通知先への未送信・再試行待ちの配信を断念 (gave_up) にする。配信記録は残る。監査ログ (notification_channel_deleted) に記録される。テナント管理者とシステム管理者のみ。 / Deletes the channel and gives up its pending deliveries; the delivery log keeps them. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId"), param_ref("NotificationChannelId")],
            body: RequestBody::Empty,
            ok: (204, json!({"description": "削除した / Deleted"})),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/notifications/deliveries",
            id: "listNotificationDeliveries",
            tag: "notifications",
            summary: "配信記録 / The delivery log",
            description: "通知の配信（通知先ごと）を新しい順に、すべての試行とともに返す。状態・種別・通知の種類・通知 ID・期間で絞り込める。テナント管理者とシステム管理者のみ。 / Deliveries, newest first, with every attempt; filter by status, channel, kind, notification and time.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("TenantId"),
                param_ref("DeliveryStatus"),
                param_ref("DeliveryChannel"),
                param_ref("DeliveryKind"),
                param_ref("DeliveryNotificationId"),
                param_ref("AuditFrom"),
                param_ref("AuditUntil"),
                param_ref("DeliveryLimit"),
            ],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response("配信記録 / Deliveries", array_of("DeliveryLogEntry")),
            ),
            // `invalid_field`: a malformed status, channel, from or until.
            errors: vec![
                (400, vec!["invalid_field"]),
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/tenants/{id}/notifications/test",
            id: "sendTestNotification",
            tag: "notifications",
            summary: "テスト通知の送信 / Send a test notification",
            description: "テスト通知（種類 test）を、指定した通知先またはテナントのすべての通知先に送る（通知先の種類の指定に関係なく）。送信は非同期で、結果は配信記録で確かめる。通知先がなければ 409。監査ログ (notification_test_sent) に記録される。テナント管理者とシステム管理者のみ。 / Sends a test notification (kind test) to one channel or every channel of the tenant, whatever kinds they take; asynchronous, see the delivery log. 409 when there is no channel. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId")],
            body: RequestBody::Json("TestNotificationRequest"),
            ok: (
                202,
                json_response("受け付けた / Queued", schema_ref("TestNotificationQueued")),
            ),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
    ]
    .into_iter()
    .chain(oversight_ops())
    .chain(termination_ops())
    .collect()
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
    match op.body {
        RequestBody::Empty => {}
        RequestBody::Json(_) => {
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
        // The type and size are checked by the handler (`invalid_evidence`,
        // listed with the operation) and the route's body limit.
        RequestBody::File | RequestBody::Raw(_) => add(413, &["payload_too_large"]),
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
        503 => "提供できない（サーバーの設定） / Service unavailable",
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
    match op.body {
        RequestBody::Empty => {}
        RequestBody::Json(body) => {
            o.insert(
                "requestBody".into(),
                json!({
                    "required": true,
                    "content": {"application/json": {"schema": schema_ref(body)}},
                }),
            );
        }
        RequestBody::Raw(media_types) => {
            let content: Map<String, Value> = media_types
                .iter()
                .map(|m| ((*m).to_owned(), json!({"schema": {"contentMediaType": m}})))
                .collect();
            o.insert(
                "requestBody".into(),
                json!({
                    "description": "ファイルそのもの（JSON・multipart・Base64 ではない）。上限はサーバー設定 max_evidence_bytes（既定 20 MiB）で、超えると 413 payload_too_large / The raw file (not JSON, multipart or Base64); at most max_evidence_bytes (20 MiB by default), else 413",
                    "required": true,
                    "content": content,
                }),
            );
        }
        RequestBody::File => {
            o.insert(
                "requestBody".into(),
                json!({
                    "description": "ファイルそのもの（JSON・multipart・Base64 ではない）。Content-Type ヘッダーで種類を申告する（text/plain・text/csv は ; charset=utf-8 を付けてもよい）。種類は内容で判定し、申告と合わなければ 400 invalid_evidence。空のファイルも 400 invalid_evidence。上限はサーバー設定 max_evidence_bytes（既定 20 MiB）で、超えると 413 payload_too_large / The raw file (not JSON, multipart or Base64); Content-Type declares its type, which is checked against the content (400 invalid_evidence if it does not match or is not allowed, or the file is empty); at most max_evidence_bytes (20 MiB by default), else 413",
                    "required": true,
                    "content": binary_content(),
                }),
            );
        }
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
        {"name": "services", "description": "サービス台帳。テナントのスタッフ（テナント管理者・審査担当者）が管理し、閲覧者は読むだけ。事業者には見えない (404) / The service register: tenant staff manage, viewers read, vendors get 404"},
        {"name": "assessments", "description": "審査: 開始 → 招待 → 回答（下書き）→ 提出 → 受理・差戻し → 判定。テナントのスタッフが運用し、閲覧者は読むだけ、招待された事業者は自分の対象者の項目だけを見て回答する。それ以外は 404 / Assessments: open, invite, answer (drafts), submit, review, decide. Tenant staff run them, viewers read, invited vendors see and answer only their own party's items; everything else is 404"},
        {"name": "evidence", "description": "証跡ファイル: 審査への登録・一覧・取得。保存時にテナントごとのデータ鍵で暗号化し、取得は監査ログに記録する。テナントのスタッフと閲覧者にはすべて、招待された事業者には自分の対象者が登録したものだけが見え、それ以外は 404 / Evidence files of assessments: upload, list, download; encrypted at rest under a per-tenant data key, downloads audit-logged; tenant staff and viewers see every file, an invited vendor only its own party's, the rest is 404"},
        {"name": "library", "description": "回答マスタ（事業者の組織の回答の再利用）: 一度回答すれば、次の審査では招待時や求めに応じて補完される。テナントには、そのテナントで保存した回答だけ、または組織が同意していれば回答マスタのすべてが使われる（同意は撤回できる）。補完された回答は事業者が確かめて保存するまで提出できない。事業者の利用者のみ / The vendors' answer library: answer once, get pre-filled on invitation or on request; a tenant gets only answers saved in it, or the whole library once the organisation consents (revocable); pre-filled answers must be confirmed before submission. Vendor users only"},
        {"name": "dashboard", "description": "テナントのダッシュボード。テナントのスタッフと閲覧者のみ、事業者と他テナントは 404 / A tenant's dashboard, for its staff and viewers; vendors and other tenants get 404"},
        {"name": "notifications", "description": "通知（メール・署名付き Webhook）: テナントの通知先の管理、配信記録、テスト通知。テナント管理者とシステム管理者のみ / Notifications by e-mail and signed webhook: the tenant's channels, the delivery log, test notifications; tenant administrators and system administrators only"},
        {"name": "oversight", "description": "運用中のサービスの監督: 障害・問合せ・インシデント・告知・セキュリティ対策実施計画・課題とリスクの記録（CSV の取り込みを含む）、提出物と版、SLA 設定、アラート。テナントのスタッフは読み書き、閲覧者は読むだけ、サービスの組織の事業者は自分の組織の記録を登録・更新する。それ以外は 404 / Oversight of services in operation: records (with CSV import), deliverables and versions, SLA settings, alerts; staff read and write, viewers read, the service's vendors file their own organisation's records; anything else 404"},
        {"name": "termination", "description": "サービスの終了手続（更改・廃棄）: 終了の告知日と終了日（1 か月前の規則の判定）、チェックリスト（移行方法、データの返還、バックアップ・複製を含む削除と方式、媒体・機器の廃棄、アカウントの廃棄、廃棄の実施報告書）の提出・確認・差戻し、データ消去証明書の記録と提出依頼書、完了。テナントのスタッフはすべて、閲覧者は読むだけ、サービスの組織の事業者は自分の担当の項目を読み・提出する。それ以外は 404。規則は docs/termination.md / Termination of a service: the notice and the one-month rule, the checklist (submit, sign off, return), the deletion certificate and its request letter, closing; staff do everything, viewers read, the service's vendors read and submit their own items; anything else 404"},
        {"name": "audit", "description": "監査ログ / Audit log"},
        {"name": "backups", "description": "バックアップ（システム管理者のみ、実行は監査ログに記録） / Backups: system administrators only, every run audit-logged"},
        {"name": "meta", "description": "API 定義 / API description"},
    ])
}

// ---------------------------------------------------------------------------
// Oversight of services in operation (routes/oversight.rs)

/// One record kind of `/services/{id}/…`: its paths, operation ids and
/// schema names.
struct RecordDoc {
    kind: &'static str,
    collection: &'static str,
    item: &'static str,
    import: &'static str,
    ids: [&'static str; 6],
    schema: &'static str,
    input: &'static str,
    ja: &'static str,
    en: &'static str,
    /// What `from` / `until` compare, or `None` (no time).
    filed: Option<&'static str>,
}

const RECORD_DOCS: [RecordDoc; 7] = [
    RecordDoc {
        kind: "outage",
        collection: "/services/{id}/outages",
        item: "/services/{id}/outages/{rid}",
        import: "/services/{id}/outages/import",
        ids: [
            "listOutages",
            "createOutage",
            "getOutage",
            "updateOutage",
            "deleteOutage",
            "importOutages",
        ],
        schema: "Outage",
        input: "OutageInput",
        ja: "障害・停止",
        en: "outage",
        filed: Some(
            "start（日時。日付なら日本時間の 0 時） / start (an instant, or a date meaning 00:00 in Tokyo)",
        ),
    },
    RecordDoc {
        kind: "inquiry",
        collection: "/services/{id}/inquiries",
        item: "/services/{id}/inquiries/{rid}",
        import: "/services/{id}/inquiries/import",
        ids: [
            "listInquiries",
            "createInquiry",
            "getInquiry",
            "updateInquiry",
            "deleteInquiry",
            "importInquiries",
        ],
        schema: "Inquiry",
        input: "InquiryInput",
        ja: "問合せ",
        en: "inquiry",
        filed: Some("asked_at（日時。日付なら日本時間の 0 時） / asked_at"),
    },
    RecordDoc {
        kind: "incident",
        collection: "/services/{id}/incidents",
        item: "/services/{id}/incidents/{rid}",
        import: "/services/{id}/incidents/import",
        ids: [
            "listIncidents",
            "createIncident",
            "getIncident",
            "updateIncident",
            "deleteIncident",
            "importIncidents",
        ],
        schema: "Incident",
        input: "IncidentInput",
        ja: "情報セキュリティインシデント",
        en: "security incident",
        filed: Some("occurred_at（日時。日付なら日本時間の 0 時） / occurred_at"),
    },
    RecordDoc {
        kind: "notice",
        collection: "/services/{id}/notices",
        item: "/services/{id}/notices/{rid}",
        import: "/services/{id}/notices/import",
        ids: [
            "listNotices",
            "createNotice",
            "getNotice",
            "updateNotice",
            "deleteNotice",
            "importNotices",
        ],
        schema: "Notice",
        input: "NoticeInput",
        ja: "変更・終了の告知",
        en: "change or termination notice",
        filed: Some("announced_on（YYYY-MM-DD） / announced_on"),
    },
    RecordDoc {
        kind: "plan_item",
        collection: "/services/{id}/plan-items",
        item: "/services/{id}/plan-items/{rid}",
        import: "/services/{id}/plan-items/import",
        ids: [
            "listPlanItems",
            "createPlanItem",
            "getPlanItem",
            "updatePlanItem",
            "deletePlanItem",
            "importPlanItems",
        ],
        schema: "PlanItem",
        input: "PlanItemInput",
        ja: "セキュリティ対策実施計画の項目",
        en: "security-plan item",
        filed: None,
    },
    RecordDoc {
        kind: "plan_status",
        collection: "/services/{id}/plan-status",
        item: "/services/{id}/plan-status/{rid}",
        import: "/services/{id}/plan-status/import",
        ids: [
            "listPlanStatuses",
            "createPlanStatus",
            "getPlanStatus",
            "updatePlanStatus",
            "deletePlanStatus",
            "importPlanStatuses",
        ],
        schema: "PlanStatus",
        input: "PlanStatusInput",
        ja: "セキュリティ対策実施計画の実施状況（項目・月ごと）",
        en: "security-plan status (per item and month)",
        filed: Some("month（YYYY-MM） / month"),
    },
    RecordDoc {
        kind: "issue",
        collection: "/services/{id}/issues",
        item: "/services/{id}/issues/{rid}",
        import: "/services/{id}/issues/import",
        ids: [
            "listIssues",
            "createIssue",
            "getIssue",
            "updateIssue",
            "deleteIssue",
            "importIssues",
        ],
        schema: "Issue",
        input: "IssueInput",
        ja: "課題・リスク",
        en: "issue or risk",
        filed: Some("raised_on（YYYY-MM-DD） / raised_on"),
    },
];

fn choice(description: &str, values: &[(&str, &str)]) -> Value {
    let labels: Vec<String> = values.iter().map(|(v, l)| format!("{v} = {l}")).collect();
    json!({"type": "string", "enum": values.iter().map(|(v, _)| *v).collect::<Vec<_>>(),
           "description": format!("{description}（{}）", labels.join(", "))})
}

fn free_text(description: &str) -> Value {
    json!({"type": "string", "maxLength": 10000,
           "description": format!("{description}（10000 文字まで。前後の空白を除いて保存） / up to 10000 characters, stored trimmed")})
}

fn short_text(description: &str) -> Value {
    json!({"type": "string", "maxLength": 200,
           "description": format!("{description}（200 文字まで） / up to 200 characters")})
}

fn month_string(description: &str) -> Value {
    json!({"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": description})
}

/// The fields of a record kind: (required, properties).
fn record_fields(kind: &str) -> (Vec<&'static str>, Vec<(&'static str, Value)>) {
    use kijun_core::oversight::records::{
        DetectedBy, IncidentSeverity, IssueKind, IssueStatus, NoticeKind, PlanState,
    };
    let instant = |d: &str| timestamp(d);
    let opt_instant = |d: &str| nullable_timestamp(d);
    match kind {
        "outage" => (
            vec!["start", "detected_by", "description"],
            vec![
                ("start", instant("停止の開始 / When the stop began")),
                (
                    "end",
                    opt_instant(
                        "復旧（停止の終了）。継続中は null。開始より前は不可 / When the service was back; null while the stop goes on; not before start",
                    ),
                ),
                (
                    "justified",
                    boolean(
                        "正当な理由のある停止（計画停止・保守など。稼働率の分母から除く）。既定 false / A justified stop (planned maintenance etc.), excluded from availability; default false",
                    ),
                ),
                (
                    "major",
                    boolean(
                        "重大障害（サービス停止（一部機能の停止を含む）または誤処理等で業務に重大な影響）。既定 false / A major failure; default false",
                    ),
                ),
                ("cause", free_text("原因 / Cause")),
                (
                    "countermeasure",
                    free_text("対応（暫定対応） / Countermeasure (interim fix)"),
                ),
                (
                    "permanent_fix",
                    free_text("恒久対策 / Permanent countermeasure"),
                ),
                (
                    "detected_by",
                    choice("検知の方法 / How it was noticed", DetectedBy::VALUES),
                ),
                (
                    "description",
                    free_text("内容（必須） / What happened (required)"),
                ),
            ],
        ),
        "inquiry" => (
            vec!["asked_at", "asked_by", "content"],
            vec![
                (
                    "asked_at",
                    instant("問合せ日時 / When the question was asked"),
                ),
                (
                    "asked_by",
                    short_text("問合せ者（必須） / Who asked (required)"),
                ),
                (
                    "content",
                    free_text("問合せ内容（必須） / The question (required)"),
                ),
                (
                    "first_answered_at",
                    opt_instant(
                        "一次回答の日時。未回答は null。問合せより前は不可。回答・回答者があれば必須 / The first answer; null while unanswered; required with an answer",
                    ),
                ),
                ("answered_by", short_text("回答者 / Who answered")),
                ("answer", free_text("回答内容 / The answer")),
            ],
        ),
        "incident" => (
            vec!["occurred_at", "severity", "description"],
            vec![
                (
                    "occurred_at",
                    instant("発生日時 / When the incident occurred"),
                ),
                (
                    "detected_at",
                    opt_instant(
                        "検知日時（発生以降） / When the vendor detected it (not before the occurrence)",
                    ),
                ),
                (
                    "suspicion_reported_at",
                    opt_instant(
                        "疑いの連絡を受けた日時（発生より前でもよい。早い方から調査着手の期限を数える） / When a suspicion was reported to the vendor; may precede the occurrence; the investigation deadline counts from the earlier",
                    ),
                ),
                (
                    "reported_to_municipality_at",
                    opt_instant(
                        "本市への報告日時（発生から 24 時間以内、seed 000） / When the municipality was told (within 24 h, seed 000)",
                    ),
                ),
                (
                    "investigation_started_at",
                    opt_instant(
                        "調査着手日時（発生または疑いの連絡から 24 時間以内、seed 003） / When the investigation started (within 24 h, seed 003)",
                    ),
                ),
                (
                    "contained_at",
                    opt_instant("収束日時 / When it was contained"),
                ),
                (
                    "recovered_at",
                    opt_instant("復旧日時 / When the service recovered"),
                ),
                (
                    "closed_at",
                    opt_instant(
                        "完了日時（他のすべての日時以降） / When the record was closed (after every other time)",
                    ),
                ),
                (
                    "severity",
                    choice("重大度 / Severity", IncidentSeverity::VALUES),
                ),
                ("impact", free_text("影響範囲・被害状況 / Impact")),
                (
                    "logs_provided",
                    boolean(
                        "ログを提供したか（seed 003 1.(6)④）。既定 false / Whether the logs were provided; default false",
                    ),
                ),
                (
                    "description",
                    free_text("内容（必須） / What happened (required)"),
                ),
            ],
        ),
        "notice" => (
            vec!["kind", "announced_on", "effective_on", "content"],
            vec![
                (
                    "kind",
                    choice("告知の種類 / What is announced", NoticeKind::VALUES),
                ),
                ("announced_on", date("告知日 / The day it was announced")),
                (
                    "effective_on",
                    date("実施日（変更・終了の日） / The day it takes effect"),
                ),
                (
                    "content",
                    free_text("内容（必須） / What changes or ends (required)"),
                ),
                (
                    "method",
                    short_text(
                        "告知の方法（HP 掲載、書面、電話、メール等） / How it was announced",
                    ),
                ),
            ],
        ),
        "plan_item" => (
            vec!["title"],
            vec![
                ("title", short_text("項目（必須） / The item (required)")),
                ("description", free_text("内容 / What it is")),
            ],
        ),
        "plan_status" => (
            vec!["item_id", "month", "status"],
            vec![
                (
                    "item_id",
                    string(
                        "セキュリティ対策実施計画の項目の ID（同じサービスのもの）。CSV では項目名でもよい / The plan item's id (same service); a CSV may name it by title",
                    ),
                ),
                (
                    "month",
                    month_string(
                        "対象月 YYYY-MM。項目と月の組は一つだけ / The month YYYY-MM; one status per item and month",
                    ),
                ),
                ("status", choice("実施状況 / Status", PlanState::VALUES)),
                ("note", free_text("備考 / Note")),
            ],
        ),
        _ => (
            vec!["kind", "title", "status", "raised_on"],
            vec![
                ("kind", choice("種別 / Kind", IssueKind::VALUES)),
                ("title", short_text("件名（必須） / Title (required)")),
                ("description", free_text("内容 / Description")),
                ("status", choice("状況 / Status", IssueStatus::VALUES)),
                ("owner", short_text("担当 / Owner")),
                (
                    "due",
                    nullable_date("期限（起票日以降） / Due date (not before raised_on)"),
                ),
                ("raised_on", date("起票日 / Raised on")),
            ],
        ),
    }
}

fn oversight_schemas(schemas: &mut Map<String, Value>) {
    use kijun_core::oversight::alerts::AlertKind;
    use kijun_core::oversight::deliverables::DeliverableKind;
    for doc in &RECORD_DOCS {
        let (required, props) = record_fields(doc.kind);
        schemas.insert(
            doc.input.into(),
            object(
                &format!(
                    "{}の入力（PUT は全体の置き換え） / A {} as sent (PUT replaces it whole)",
                    doc.ja, doc.en
                ),
                &required,
                true,
                props.clone(),
            ),
        );
        let mut all = vec![
            ("id", string("記録 ID / Record id")),
            ("service_id", string("サービス ID / Service id")),
            (
                "organisation_id",
                nullable_string(
                    "記録した事業者の組織（テナントのスタッフが記録したものは null） / The vendor organisation that filed it; null: tenant staff",
                ),
            ),
            ("created_at", timestamp("登録日時 / Created at")),
            (
                "created_by",
                nullable_string("登録した利用者の ID / Who created it"),
            ),
            ("updated_at", timestamp("更新日時 / Updated at")),
            (
                "updated_by",
                nullable_string("更新した利用者の ID / Who last changed it"),
            ),
        ];
        all.extend(props);
        let mut req = vec![
            "id",
            "service_id",
            "organisation_id",
            "created_at",
            "updated_at",
        ];
        req.extend(required);
        schemas.insert(
            doc.schema.into(),
            object(&format!("{} / A {}", doc.ja, doc.en), &req, false, all),
        );
    }
    schemas.insert(
        "ImportResult".into(),
        object(
            "CSV の取り込み結果 / What a CSV import stored",
            &["imported", "ids"],
            false,
            vec![
                ("imported", integer("登録した記録の数 / Records stored")),
                (
                    "ids",
                    strings("登録した記録の ID（ファイルの行順） / Their ids, in file order"),
                ),
            ],
        ),
    );
    let kinds: Vec<&str> = DeliverableKind::ALL.iter().map(|k| k.as_str()).collect();
    let checklist_item = object(
        "記載事項 / A content item",
        &["key", "label"],
        false,
        vec![
            ("key", string("キー / Key")),
            ("label", string("記載事項 / What the document states")),
        ],
    );
    schemas.insert(
        "DeliverableVersionInput".into(),
        object(
            "提出する版 / A version to submit",
            &[],
            true,
            vec![
                ("note", free_text("備考 / Note")),
                ("evidence_ids", json!({"type": "array", "maxItems": 50, "items": {"type": "string"},
                    "description": "kijun に登録済みの証跡ファイルの ID（同じテナントのもの。事業者は自分の組織の利用者が登録したものだけ） / Ids of evidence files stored in kijun (same tenant; a vendor only its own organisation's)"})),
                ("checklist", json!({"type": "object", "additionalProperties": {"type": "boolean"},
                    "description": "記載事項のキー → 記載しているか（種類ごとのキーだけ。省略したキーは false） / Checklist key → stated (the kind's keys only; omitted keys are false)"})),
                ("improvement_plan", free_text("改善策（月次報告のみ。SLA の目標を達成しなかった月に必要） / Improvement plan (monthly reports only; required for a month an SLA target was missed)")),
                ("reported_figures", schema_ref("ReportedFigures")),
            ],
        ),
    );
    let count = |d: &str| json!({"type": "integer", "minimum": 0, "description": d});
    schemas.insert(
        "ReportedFigures".into(),
        object(
            "事業者が報告する月の SLA の値（月次報告のみ、各項目は任意）。サービス実績報告書に kijun の算出値との相違を示す / The vendor's own SLA figures for the month (monthly reports only, each optional); the monthly report shows where they differ from kijun's",
            &[],
            true,
            vec![
                ("availability_percent", json!({"type": "string", "pattern": "^[0-9]{1,3}(\\.[0-9]{1,4})?$",
                    "description": "サービス稼働率 (%)、小数第4位まで。kijun の値を同じ桁数で切り捨てて比べる / Availability in percent, up to 4 decimals; compared with kijun's value truncated to as many decimals"})),
                ("major_failures", count("対象月の重大障害の件数 / Major failures in the month")),
                ("longest_major_recovery_minutes", count("重大障害の最長復旧時間（分） / Longest major-failure recovery, minutes")),
                ("late_inquiries", count("回答期限を超えた問合せの件数 / Inquiries answered late")),
                ("major_failures_fiscal_year", count("年度の重大障害の累計件数 / Major failures in the fiscal year to date")),
            ],
        ),
    );
    schemas.insert(
        "DeliverableVersion".into(),
        object(
            "提出された版 / A submitted version",
            &["deliverable_id", "version", "submitted_at", "data", "state"],
            false,
            vec![
                ("deliverable_id", string("提出物 ID / Deliverable id")),
                ("version", integer("版（1 から） / Version number, from 1")),
                ("organisation_id", nullable_string("提出した事業者の組織（スタッフは null） / The submitting vendor organisation; null: staff")),
                ("submitted_by", nullable_string("提出した利用者の ID / Who submitted it")),
                ("submitted_by_name", nullable_string("提出した利用者の表示名 / Their display name")),
                ("submitted_at", timestamp("提出日時 / Submitted at")),
                ("data", described(schema_ref("DeliverableVersionInput"), "提出内容（checklist はすべてのキー） / What was submitted (every checklist key)")),
                ("state", string_enum("状態: submitted = 確認待ち, accepted = 受理, returned = 差戻し, superseded = 確認前に新しい版が提出された / State", &["submitted", "accepted", "returned", "superseded"])),
                ("review_comment", nullable_string("確認のコメント / The reviewer's comment")),
                ("reviewed_by", nullable_string("確認した利用者の ID / Reviewer")),
                ("reviewed_at", nullable_timestamp("確認日時 / Reviewed at")),
            ],
        ),
    );
    schemas.insert(
        "Deliverable".into(),
        object(
            "期待される提出物とその状況 / An expected deliverable and where it stands",
            &["kind", "period", "label", "source", "due", "due_set_by_reviewer", "required", "state", "cadence", "due_rule", "checklist", "versions"],
            false,
            vec![
                ("kind", string_enum("種類 / Kind", &kinds)),
                ("period", string("期間: once（一度）、YYYY-MM（月次）、FY2026（年度） / Period")),
                ("label", string("名称 / Label")),
                ("source", string("根拠 / Source")),
                ("due", nullable_date("提出期限（審査担当者が設定したもの、なければ既定の規則。分からなければ null） / Due date in force")),
                ("due_set_by_reviewer", boolean("期限を審査担当者が設定したか / Whether a reviewer set it")),
                ("required", boolean("求めるか（false = 不要とした） / Required (false: waived)")),
                ("state", string_enum("状況: not_required, upcoming = 期限前, missing = 期限を過ぎて未提出（差戻しを含む）, submitted = 確認待ち, accepted = 受理, returned = 差戻し（期限前） / State", &["not_required", "upcoming", "missing", "submitted", "accepted", "returned"])),
                ("first_submitted_at", nullable_timestamp("最初の版の提出日時 / When the first version came")),
                ("on_time", json!({"type": ["boolean", "null"], "description": "最初の版が期限内（日本時間の日付が期限以前）だったか / Whether the first version came by the due date"})),
                ("latest_version", json!({"type": ["integer", "null"], "description": "最新の版 / Latest version"})),
                ("id", nullable_string("保存された提出物の ID / Stored deliverable id")),
                ("note", string("審査担当者のメモ / Reviewer's note")),
                ("cadence", string_enum("頻度 / Cadence", &["once", "monthly", "fiscal_year"])),
                ("due_rule", string("既定の期限の規則 / The default due rule")),
                ("checklist", json!({"type": "array", "items": checklist_item, "description": "各版が記載すべき事項 / What each version states"})),
                ("versions", json!({"type": "array", "items": schema_ref("DeliverableVersion"), "description": "見える版（古い順） / The visible versions, oldest first"})),
            ],
        ),
    );
    schemas.insert(
        "DeliverableInput".into(),
        object(
            "審査担当者が設定する提出物の期限など / What a reviewer sets on a deliverable",
            &[],
            true,
            vec![
                ("due", nullable_date("提出期限。null または省略で既定の規則 / Due date; null or omitted: the default rule")),
                ("required", boolean("求めるか。既定 true / Required; default true")),
                ("note", json!({"type": "string", "maxLength": 2000, "description": "メモ / Note"})),
            ],
        ),
    );
    schemas.insert(
        "DeliverableReview".into(),
        object(
            "版の確認 / A reviewer's decision on the latest version",
            &["decision"],
            true,
            vec![
                ("decision", string_enum("accept = 受理, return = 差戻し / Decision", &["accept", "return"])),
                ("comment", json!({"type": ["string", "null"], "maxLength": 2000, "description": "コメント（差戻しでは必須） / Comment (required to return)"})),
            ],
        ),
    );
    let percent = object(
        "厳密な百分率 numerator / denominator % / An exact percentage",
        &["numerator", "denominator"],
        true,
        vec![
            ("numerator", integer("分子 / Numerator")),
            (
                "denominator",
                json!({"type": "integer", "minimum": 1, "description": "分母 / Denominator"}),
            ),
        ],
    );
    schemas.insert(
        "SlaTargets".into(),
        object(
            "SLA の目標値（省略した項目は seed 004 の既定値） / SLA targets; omitted ones take seed 004's defaults",
            &[],
            true,
            vec![
                ("availability", described(percent.clone(), "稼働率の目標（既定 99.8 % = 499/5、100 % 以下） / Availability target (default 99.8 %)")),
                ("max_recovery", json!({"type": "string", "description": "重大障害の復旧時間の上限。ISO 8601 の期間（既定 PT6H） / Recovery limit, ISO 8601 duration (default PT6H)"})),
                ("first_answer_limit", json!({"type": "string", "description": "問合せへの一次回答の上限（閉庁日を除く）。ISO 8601 の期間（既定 PT48H） / First-answer limit excluding closed days (default PT48H)"})),
                ("max_major_failures_per_fiscal_year", json!({"type": "integer", "minimum": 0, "description": "年度あたりの重大障害の上限（既定 3） / Major failures per fiscal year (default 3)"})),
            ],
        ),
    );
    let window = object(
        "提供時間帯（分単位、終了 00:00 は 24:00） / A service window",
        &["weekday", "start", "end"],
        true,
        vec![
            (
                "weekday",
                string_enum(
                    "曜日 / Weekday",
                    &[
                        "monday",
                        "tuesday",
                        "wednesday",
                        "thursday",
                        "friday",
                        "saturday",
                        "sunday",
                    ],
                ),
            ),
            (
                "start",
                json!({"type": "string", "description": "開始 HH:MM:SS / Start"}),
            ),
            (
                "end",
                json!({"type": "string", "description": "終了 HH:MM:SS（00:00:00 は 24:00） / End"}),
            ),
        ],
    );
    schemas.insert(
        "OperatingSchedule".into(),
        json!({
            "description": "当初予定した稼働時間 / When the service is promised",
            "oneOf": [
                object("24 時間 365 日 / Always", &["kind"], true, vec![("kind", json!({"const": "always"}))]),
                object("曜日ごとの提供時間帯 / Weekly windows", &["kind", "windows", "skip_closed_days"], true, vec![
                    ("kind", json!({"const": "weekly"})),
                    ("windows", json!({"type": "array", "items": window})),
                    ("skip_closed_days", boolean("閉庁日は提供しない / Nothing promised on closed days")),
                ]),
            ],
        }),
    );
    schemas.insert(
        "TenantClosedDay".into(),
        json!({
            "description": "団体の閉庁日（条例） / A closed day of the tenant's by-law",
            "oneOf": [
                object("特定の日 / One date", &["kind", "date", "name"], true, vec![
                    ("kind", json!({"const": "date"})), ("date", date("日付 / Date")), ("name", string("名称 / Name")),
                ]),
                object("毎年の月日 / Every year", &["kind", "month", "day", "name"], true, vec![
                    ("kind", json!({"const": "annual"})),
                    ("month", json!({"type": "integer", "minimum": 1, "maximum": 12})),
                    ("day", json!({"type": "integer", "minimum": 1, "maximum": 31})),
                    ("name", string("名称 / Name")),
                ]),
            ],
        }),
    );
    schemas.insert(
        "SlaSettings".into(),
        object(
            "サービスの SLA 設定（PUT は全体の置き換え。省略した項目は既定値） / A service's SLA settings; PUT replaces them whole, omitted fields take defaults",
            &[],
            true,
            vec![
                ("targets", schema_ref("SlaTargets")),
                ("schedule", described(schema_ref("OperatingSchedule"), "運用スケジュール（既定 always） / Operating schedule (default always)")),
                ("closed_days", json!({"type": "array", "items": schema_ref("TenantClosedDay"), "description": "団体の閉庁日（土日・祝日・年末年始に加えて）。重複は不可 / Extra closed days; no duplicates"})),
                ("monthly_report_open_day", json!({"type": "integer", "minimum": 1, "maximum": 20, "description": "月次報告の期限: 翌月の第 N 開庁日（既定 10） / Monthly reports are due on this open day of the next month (default 10)"})),
                ("reports_from", json!({"type": ["string", "null"], "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$", "description": "月次報告を求める最初の月（null: 契約開始の月） / First month a report is expected (null: the contract start's)"})),
            ],
        ),
    );
    schemas.insert(
        "MonitorSettings".into(),
        object(
            "稼働監視の設定（HTTP(S) GET による応答確認） / Availability monitoring: an HTTP(S) GET probe",
            &["url"],
            true,
            vec![
                ("url", string("監視先の http:// または https:// の URL（内部向けアドレスはサーバーが許可する場合のみ） / http(s) URL to GET; internal addresses only if the server allows them")),
                ("interval_seconds", json!({"type": "integer", "minimum": 1, "maximum": 86400, "description": "監視の間隔（秒、既定 60。サーバーの最小値、既定 30 以上） / Seconds between probes (default 60; at least the server's minimum, 30 by default)"})),
                ("expected_status", json!({"type": ["integer", "null"], "minimum": 100, "maximum": 599, "description": "正常とみなすステータスコード（null: 2xx） / The status that counts as up (null: any 2xx)"})),
                ("timeout_seconds", json!({"type": "integer", "minimum": 1, "maximum": 60, "description": "タイムアウト（秒、既定 10。間隔以下） / Probe timeout (default 10; at most the interval)"})),
                ("failures", json!({"type": "integer", "minimum": 1, "maximum": 100, "description": "障害・停止を記録する連続失敗回数（既定 3） / Failures in a row that open an outage (default 3)"})),
            ],
        ),
    );
    schemas.insert(
        "Monitor".into(),
        object(
            "サービスの稼働監視: 設定と最後の状態 / A service's monitor: settings and last state",
            &["service_id", "settings", "state", "next_probe_at", "created_at", "updated_at"],
            false,
            vec![
                ("service_id", string("サービス ID / Service id")),
                ("settings", schema_ref("MonitorSettings")),
                ("state", object("最後の状態（毎回の結果は保存しない） / The last state (samples are not kept)", &["consecutive_failures", "first_failure_at", "last_status", "last_error", "last_checked_at", "open_outage_id"], false, vec![
                    ("consecutive_failures", integer("連続失敗回数 / Failures in a row")),
                    ("first_failure_at", nullable_timestamp("連続失敗の最初の時刻 / When the run of failures began")),
                    ("last_status", json!({"type": ["integer", "null"], "description": "最後の応答のステータス（応答なしは null） / Last answer's status (null: none)"})),
                    ("last_error", nullable_string("最後の失敗の理由 / Why the last probe failed")),
                    ("last_checked_at", nullable_timestamp("最後に確認した時刻 / Last probe")),
                    ("open_outage_id", nullable_string("この連続失敗で登録した障害・停止の記録 / The outage opened for the current run")),
                ])),
                ("next_probe_at", timestamp("次の確認の予定 / Next probe due")),
                ("created_at", timestamp("作成日時 / Created")),
                ("updated_at", timestamp("更新日時 / Updated")),
            ],
        ),
    );
    let alert_kinds: Vec<&str> = AlertKind::ALL.iter().map(|k| k.as_str()).collect();
    schemas.insert(
        "Alert".into(),
        object(
            "アラート（現在時刻で計算） / An alert, computed as of now",
            &["kind", "severity", "status", "service_id", "subject", "message", "deadline", "deadline_date", "fulfilled_at", "source", "dedupe_key"],
            false,
            vec![
                ("kind", string_enum("規則 / The rule (docs/oversight.md)", &alert_kinds)),
                ("severity", string_enum("緊急度 / Severity", &["warning", "high", "critical"])),
                ("status", string_enum("pending = 期限前で未了, breached = 期限を過ぎた・遅れて完了 / Status", &["pending", "breached"])),
                ("service_id", string("サービス ID / Service id")),
                ("subject", object("対象 / What it is about", &["kind", "id"], false, vec![
                    ("kind", string("incident・notice・deliverable（id は 種類/期間）・registration・certification・contract / The subject's kind")),
                    ("id", string("対象の ID / The subject's id")),
                ])),
                ("message", string("日本語の説明（時刻は日本時間） / Japanese message")),
                ("deadline", timestamp("期限: この時刻まで（含む）なら期限内。日付の期限はその日の終わり（翌日 0 時、日本時間） / The deadline (on time at or before it)")),
                ("deadline_date", nullable_date("日付の期限（告知・有効期限・提出物） / The due date of a date duty")),
                ("fulfilled_at", nullable_timestamp("遅れて完了した日時 / When it was done late")),
                ("source", string("根拠 / Source")),
                ("dedupe_key", string("同じ事実なら変わらないキー（通知の重複防止） / Stable key for de-duplicating notifications")),
                ("details", json!({"type": "object", "description": "規則ごとの詳細（improvement_plan_required: month と misses） / Rule-specific details"})),
            ],
        ),
    );
    schemas.insert(
        "MonthlySla".into(),
        object(
            "月の SLA の結果（現在時刻まで） / A month's SLA results as of now",
            &["month", "complete", "availability", "misses"],
            false,
            vec![
                ("month", month_string("対象月 / Month")),
                ("complete", boolean("月が終わっているか（稼働率は終わった月だけ） / Whether the month is over")),
                ("availability", json!({"type": ["object", "null"], "description": "稼働率（planned_minutes, justified_minutes, down_minutes, percent）。月の途中は null / Availability; null before the month ends"})),
                ("misses", json!({"type": "array", "items": {"type": "object", "required": ["target"], "properties": {"target": {"type": "string", "enum": ["availability", "recovery", "first_answer", "major_failures"]}}},
                    "description": "達成しなかった目標 / Targets missed"})),
            ],
        ),
    );
}

fn oversight_parameters(mut params: Value) -> Value {
    use kijun_core::oversight::alerts::AlertKind;
    use kijun_core::oversight::deliverables::DeliverableKind;
    let kinds: Vec<&str> = DeliverableKind::ALL.iter().map(|k| k.as_str()).collect();
    let alert_kinds: Vec<&str> = AlertKind::ALL.iter().map(|k| k.as_str()).collect();
    let extra = json!({
        "OversightRecordId": {"name": "rid", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "記録 ID（そのサービス・その種類のもの。他は 404） / Record id (of this service and kind; else 404)"},
        "DeliverableKindPath": {"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": kinds},
            "description": "提出物の種類（その他は 404） / Deliverable kind; anything else 404"},
        "DeliverablePeriod": {"name": "period", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "期間: 一度のものは once、月次報告は YYYY-MM、監査結果は FY2026（年度）。種類に合わなければ 400 invalid_field / once, YYYY-MM or FY2026 by the kind; else 400 invalid_field"},
        "DeliverableVersionNumber": {"name": "version", "in": "path", "required": true, "schema": {"type": "integer", "minimum": 1},
            "description": "版 / Version number"},
        "SlaMonth": {"name": "month", "in": "path", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"},
            "description": "対象月 YYYY-MM / The month"},
        "RecordFrom": {"name": "from", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "この時点以降（含む）。種類ごとの時刻（障害・問合せ・インシデントは日時、告知・課題は日付、実施状況は年月） / From (inclusive): an instant, date or month by the kind"},
        "RecordUntil": {"name": "until", "in": "query", "required": false, "schema": {"type": "string"},
            "description": "この時点より前（含まない） / Until (exclusive)"},
        "RecordOpen": {"name": "open", "in": "query", "required": false, "schema": {"type": "boolean"},
            "description": "true: 未了のもの（継続中の障害、未回答の問合せ、完了していないインシデント、実施済みでない実施状況、対応中の課題）だけ。false: それ以外だけ / Only open (true) or finished (false) records"},
        "AlertKindQuery": {"name": "kind", "in": "query", "required": false, "schema": {"type": "string", "enum": alert_kinds},
            "description": "この規則のアラートだけ / Only this rule's alerts"},
        "AlertStatusQuery": {"name": "status", "in": "query", "required": false, "schema": {"type": "string", "enum": ["pending", "breached"]},
            "description": "この状態のアラートだけ / Only alerts in this status"},
    });
    if let (Value::Object(p), Value::Object(e)) = (&mut params, extra) {
        p.extend(e);
    }
    params
}

const VENDOR_RULE: &str = "テナントのスタッフ（システム管理者・テナント管理者・審査担当者）は読み書き、閲覧者は読むだけ（変更は 403）。サービスの提供者・導入事業者の組織の事業者は、テナントのスタッフと自分の組織が記録したものを読む。他テナント・他の事業者のサービス・他の事業者の記録は 404 / Tenant staff read and write, viewers read (writes 403); users of the service's provider or integrator organisation read what staff and their own organisation filed; another tenant's or vendor's service or record is 404";

#[allow(clippy::too_many_lines)]
fn oversight_ops() -> Vec<Op> {
    let mut ops = Vec::new();
    for doc in &RECORD_DOCS {
        let vendor_writes = kijun_core::oversight::RecordKind::parse(doc.kind)
            .is_some_and(kijun_core::oversight::RecordKind::vendor_writable);
        let who_writes = if vendor_writes {
            "テナントのスタッフ、またはサービスの組織の事業者（自分の組織の記録として）。閲覧者は 403 / Tenant staff, or a vendor user of the service's organisations (filed as its organisation's); viewers 403"
        } else {
            "テナントのスタッフのみ（閲覧者・事業者は 403） / Tenant staff only (viewers and vendors 403)"
        };
        let conflict = match doc.kind {
            "plan_status" | "plan_item" => vec![(409, vec!["conflict"])],
            _ => vec![],
        };
        let mut list_params = vec![param_ref("ServiceId")];
        if doc.filed.is_some() {
            list_params.extend([param_ref("RecordFrom"), param_ref("RecordUntil")]);
        }
        list_params.push(param_ref("RecordOpen"));
        ops.push(Op {
            method: "GET",
            path: doc.collection,
            id: doc.ids[0],
            tag: "oversight",
            summary: "記録の一覧 / List records",
            description: match doc.filed {
                Some(_) => "サービスの記録の一覧（記録の時刻、登録の順）。from・until・open で絞り込める。 / The service's records of this kind, in time order, filtered by from, until and open.",
                None => "サービスの記録の一覧（登録の順）。 / The service's records of this kind.",
            },
            auth: Auth::Full,
            bearer: true,
            params: list_params,
            body: RequestBody::Empty,
            ok: (200, json_response(doc.ja, array_of(doc.schema))),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        });
        let mut create_errors = vec![(403, vec!["forbidden"]), (404, vec!["not_found"])];
        create_errors.extend(conflict.clone());
        ops.push(Op {
            method: "POST",
            path: doc.collection,
            id: doc.ids[1],
            tag: "oversight",
            summary: "記録の登録 / File a record",
            description: who_writes,
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Json(doc.input),
            ok: (
                201,
                json_response("登録した記録 / The record", schema_ref(doc.schema)),
            ),
            errors: create_errors.clone(),
            can_fail: true,
        });
        ops.push(Op {
            method: "GET",
            path: doc.item,
            id: doc.ids[2],
            tag: "oversight",
            summary: "記録の取得 / Get a record",
            description: VENDOR_RULE,
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId"), param_ref("OversightRecordId")],
            body: RequestBody::Empty,
            ok: (200, json_response(doc.ja, schema_ref(doc.schema))),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        });
        ops.push(Op {
            method: "PUT",
            path: doc.item,
            id: doc.ids[3],
            tag: "oversight",
            summary: "記録の更新（全体の置き換え） / Replace a record",
            description: if vendor_writes {
                "テナントのスタッフ、または記録した組織の事業者。他の組織やスタッフの記録は事業者には 403（見えない記録は 404）。閲覧者は 403。監査ログに変更前と変更後を記録する。 / Tenant staff, or a vendor user of the organisation that filed it (403 for staff's records, 404 for invisible ones); viewers 403. Audit-logged with before and after."
            } else {
                "テナントのスタッフのみ（閲覧者・事業者は 403）。監査ログに変更前と変更後を記録する。 / Tenant staff only; audit-logged with before and after."
            },
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId"), param_ref("OversightRecordId")],
            body: RequestBody::Json(doc.input),
            ok: (200, json_response("更新した記録 / The record", schema_ref(doc.schema))),
            errors: create_errors.clone(),
            can_fail: true,
        });
        let mut delete_errors = vec![(403, vec!["forbidden"]), (404, vec!["not_found"])];
        if doc.kind == "plan_item" {
            delete_errors.push((409, vec!["conflict"]));
        }
        ops.push(Op {
            method: "DELETE",
            path: doc.item,
            id: doc.ids[4],
            tag: "oversight",
            summary: "記録の削除 / Delete a record",
            description: "テナントのスタッフのみ（閲覧者・事業者は 403）。実施状況のある計画項目は 409。削除した内容は監査ログに残る。 / Tenant staff only; a plan item with statuses is 409. The deleted content stays in the audit log.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId"), param_ref("OversightRecordId")],
            body: RequestBody::Empty,
            ok: (204, json!({"description": "削除した / Deleted"})),
            errors: delete_errors,
            can_fail: true,
        });
        let mut import_errors = vec![
            (400, vec!["invalid_csv"]),
            (403, vec!["forbidden"]),
            (404, vec!["not_found"]),
            (409, vec!["conflict"]),
            (415, vec!["unsupported_media_type"]),
        ];
        import_errors.sort_by_key(|(s, _)| *s);
        ops.push(Op {
            method: "POST",
            path: doc.import,
            id: doc.ids[5],
            tag: "oversight",
            summary: "CSV・Excel からの取り込み / Import records from CSV or Excel",
            description: "本文は CSV ファイル（Content-Type: text/csv、UTF-8、1 行目は見出し。列は docs/oversight.md）または Excel ファイル（xlsx、最初のシートの 1 行目が見出し。日時のセルは日本時間として読む）。すべての行を検査し、問題が一つでもあれば 400 invalid_csv と problems（シート・行・列・見出し・値・対処）をすべて返して何も保存しない。すべて正しければ一つのトランザクションで登録し、監査ログ (oversight_records_imported) に記録する。登録できる人は記録の登録と同じ。 / The body is a CSV file (text/csv, UTF-8, a header row; columns in docs/oversight.md) or an Excel workbook (its first sheet, header in row 1; date-time cells read as Japan time). Every row is checked; any problem gives 400 invalid_csv with every problem (sheet, row, column, heading, value) and nothing is stored; otherwise all rows are stored in one transaction and audit-logged. Who may import: as for filing a record.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Raw(&["text/csv", XLSX_MEDIA_TYPE]),
            ok: (201, json_response("取り込んだ / Imported", schema_ref("ImportResult"))),
            errors: import_errors,
            can_fail: true,
        });
    }
    let deliverable_params = || {
        vec![
            param_ref("ServiceId"),
            param_ref("DeliverableKindPath"),
            param_ref("DeliverablePeriod"),
        ]
    };
    ops.extend([
        Op {
            method: "GET",
            path: "/services/{id}/deliverables",
            id: "listDeliverables",
            tag: "oversight",
            summary: "提出物の一覧 / List the deliverables",
            description: "サービスに期待される提出物（既定の規則によるもの: 一度のもの、契約開始の月からの月次報告、年度ごとの監査結果。審査担当者が期限を設定したもの・版が提出されたもの）と、期限・状況・見える版。事業者にはスタッフと自分の組織が提出した版だけ。 / Every deliverable expected of the service (by the default rules and those stored) with its due date, state and the versions the caller may see.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Empty,
            ok: (200, json_response("提出物 / Deliverables", array_of("Deliverable"))),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/deliverables/{kind}/{period}",
            id: "getDeliverable",
            tag: "oversight",
            summary: "提出物の取得 / Get a deliverable",
            description: VENDOR_RULE,
            auth: Auth::Full,
            bearer: true,
            params: deliverable_params(),
            body: RequestBody::Empty,
            ok: (200, json_response("提出物 / The deliverable", schema_ref("Deliverable"))),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/services/{id}/deliverables/{kind}/{period}",
            id: "putDeliverable",
            tag: "oversight",
            summary: "提出物の期限の設定 / Set a deliverable's due date",
            description: "審査担当者が具体的な期限（null で既定の規則）、求めるか、メモを設定する。テナントのスタッフのみ（閲覧者・事業者は 403）。監査ログ (deliverable_updated) に記録する。 / A reviewer sets the concrete due date (null: the default rule), whether it is required, and a note. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: deliverable_params(),
            body: RequestBody::Json("DeliverableInput"),
            ok: (200, json_response("提出物 / The deliverable", schema_ref("Deliverable"))),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/services/{id}/deliverables/{kind}/{period}/versions",
            id: "submitDeliverableVersion",
            tag: "oversight",
            summary: "版の提出 / Submit a version",
            description: "新しい版を提出する（番号は続き。確認待ちの前の版は superseded になる）。checklist のキーは種類ごと、改善策は月次報告だけ、証跡ファイルは同じテナントのもの（事業者は自分の組織の利用者が登録したもの）。テナントのスタッフ、またはサービスの組織の事業者。閲覧者は 403。監査ログ (deliverable_submitted) に記録する。 / Submits the next version (a version still waiting for review becomes superseded). Checklist keys per kind, improvement plans for monthly reports only, evidence of the same tenant (a vendor: its organisation's). Tenant staff or vendor users of the service's organisations; viewers 403. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: deliverable_params(),
            body: RequestBody::Json("DeliverableVersionInput"),
            ok: (201, json_response("提出した版 / The version", schema_ref("DeliverableVersion"))),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/services/{id}/deliverables/{kind}/{period}/versions/{version}/review",
            id: "reviewDeliverableVersion",
            tag: "oversight",
            summary: "版の受理・差戻し / Accept or return a version",
            description: "最新の版（確認待ちまたは受理済み）を受理 (accept) または差戻し (return、comment 必須) する。それ以外の版は 409 not_reviewable。テナントのスタッフのみ（閲覧者・事業者は 403）。監査ログ (deliverable_reviewed) に記録する。 / Accepts or returns (with a comment) the latest version if it waits for review or was accepted; else 409 not_reviewable. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: {
                let mut p = deliverable_params();
                p.push(param_ref("DeliverableVersionNumber"));
                p
            },
            body: RequestBody::Json("DeliverableReview"),
            ok: (200, json_response("確認した版 / The version", schema_ref("DeliverableVersion"))),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"]), (409, vec!["not_reviewable"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/sla-settings",
            id: "getSlaSettings",
            tag: "oversight",
            summary: "SLA 設定の取得 / Get the SLA settings",
            description: "保存された設定、なければ既定値（seed 004: 99.8 %・6 時間・48 時間・3 件、24 時間 365 日、月次報告は翌月の第 10 開庁日）。 / The stored settings, or the defaults.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Empty,
            ok: (200, json_response("SLA 設定 / SLA settings", schema_ref("SlaSettings"))),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/services/{id}/sla-settings",
            id: "putSlaSettings",
            tag: "oversight",
            summary: "SLA 設定の置き換え / Replace the SLA settings",
            description: "全体の置き換え（省略した項目は既定値）。値の誤りは 400 invalid_field（field は targets.availability、schedule.windows.0、closed_days など）。テナントのスタッフのみ。監査ログ (sla_settings_updated) に記録する。 / Replaces the settings (omitted fields take defaults); errors name the field. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Json("SlaSettings"),
            ok: (200, json_response("SLA 設定 / SLA settings", schema_ref("SlaSettings"))),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/monitoring",
            id: "getMonitoring",
            tag: "oversight",
            summary: "稼働監視の取得 / Get the availability monitoring",
            description: "設定と最後の状態（連続失敗回数・最後のステータス・最後の確認・登録中の障害）。監視がなければ 404。テナントのスタッフ・閲覧者、サービスの事業者が読める。 / The probe settings and last state; 404 if none. Staff, viewers and the service's vendors may read.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Empty,
            ok: (200, json_response("稼働監視 / Monitor", schema_ref("Monitor"))),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/services/{id}/monitoring",
            id: "putMonitoring",
            tag: "oversight",
            summary: "稼働監視の設定 / Set the availability monitoring",
            description: "監視を設定する（最後の状態は保持し、最初の確認はすぐ行う）。連続して failures 回失敗すると障害・停止（detected_by = monitoring、開始は最初の失敗の時刻）を登録して通知し、次の成功の時刻で閉じる。値の誤りは 400 invalid_field。テナントのスタッフのみ（閲覧者・事業者は 403）。監査ログ (monitoring_updated) に記録する。 / Sets the probe (the last state is kept; the first probe is due at once). After `failures` failures in a row an outage (detected_by monitoring, starting at the first failure) is filed and notified; the next success closes it. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Json("MonitorSettings"),
            ok: (200, json_response("稼働監視 / Monitor", schema_ref("Monitor"))),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "DELETE",
            path: "/services/{id}/monitoring",
            id: "deleteMonitoring",
            tag: "oversight",
            summary: "稼働監視の停止 / Remove the availability monitoring",
            description: "監視をやめる。登録済みの障害・停止の記録はそのまま残る。監視がなければ 404。テナントのスタッフのみ。監査ログ (monitoring_deleted) に記録する。 / Stops probing; recorded outages stay. 404 if none. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Empty,
            ok: (204, json!({"description": "停止した / Removed"})),
            errors: vec![(403, vec!["forbidden"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/sla/{month}",
            id: "getMonthlySla",
            tag: "oversight",
            summary: "月の SLA の結果 / A month's SLA results",
            description: "記録した障害・問合せから、その月の稼働率（月が終わってから）・重大障害の復旧時間・一次回答時間・年度の重大障害件数を現在時刻まで計算する（docs/sla.md）。 / The month's availability (once over), recoveries, first answers and the fiscal year's major failures, computed from the records as of now.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId"), param_ref("SlaMonth")],
            body: RequestBody::Empty,
            ok: (200, json_response("月の結果 / The month", schema_ref("MonthlySla"))),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/monthly-report/{month}",
            id: "getMonthlyReport",
            tag: "oversight",
            summary: "サービス実績報告書（PDF・HTML・Excel） / The monthly service report as PDF, HTML or Excel",
            description: "月のサービス実績報告書（別添1）: 実施実績、稼働状況（稼働率・重大障害の復旧時間・問合せの回答時間（閉庁日を除く）・年度の重大障害件数を目標値と比べて達成/未達）、障害・インシデント、問合せ、課題・リスク、セキュリティ対策実施計画の実施状況、未達があれば改善策が必要なことと月次報告（提出物）の状況。記録から現在時刻で計算する（docs/oversight.md）。format=pdf（A4、日本語フォント埋め込み）・html（印刷用）・xlsx（1 シート、A4）。テナントのスタッフと閲覧者、サービスの提供者・導入事業者の事業者（一覧には自分の組織とスタッフの記録だけ）。それ以外は 404。監査ログ (monthly_report_exported) に記録する。 / The month's service report (performance, the four SLA figures against their targets, outages and incidents, inquiries, issues and risks, the security plan's status, and the improvement plan a missed target requires with the monthly-report deliverable's state), computed from the records as of now; PDF, printable HTML or a one-sheet A4 workbook. Staff, viewers and the service's vendors (their own and staff's records listed); others 404. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![
                param_ref("ServiceId"),
                param_ref("SlaMonth"),
                json!({
                    "name": "format", "in": "query", "required": false,
                    "schema": {"type": "string", "enum": ["pdf", "html", "xlsx"], "default": "pdf"},
                    "description": "出力形式 / Output format",
                }),
            ],
            body: RequestBody::Empty,
            ok: (200, {
                let mut v = report_content("サービス実績報告書 / The monthly report");
                v["content"][XLSX_MEDIA_TYPE] = json!({"schema": {"contentMediaType": XLSX_MEDIA_TYPE}});
                v
            }),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/alerts",
            id: "listServiceAlerts",
            tag: "oversight",
            summary: "サービスのアラート / A service's alerts",
            description: "現在時刻で計算したアラート（期限の順）。規則と境界は docs/oversight.md。事業者には自分の組織とスタッフの記録、提出物、サービスに関するものだけ。 / The service's alerts as of now, by deadline; a vendor sees those about its own and staff's records, deliverables and the service.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId"), param_ref("AlertKindQuery"), param_ref("AlertStatusQuery")],
            body: RequestBody::Empty,
            ok: (200, json_response("アラート / Alerts", array_of("Alert"))),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/tenants/{id}/alerts",
            id: "listTenantAlerts",
            tag: "oversight",
            summary: "テナントのアラート / A tenant's alerts",
            description: "テナントのすべてのサービスのアラート（現在時刻で計算、期限の順）。システム管理者とそのテナントのスタッフ・閲覧者のみ、事業者と他テナントは 404。 / Every service's alerts as of now, by deadline; system administrators and the tenant's staff and viewers only; vendors and other tenants 404.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TenantId"), param_ref("AlertKindQuery"), param_ref("AlertStatusQuery")],
            body: RequestBody::Empty,
            ok: (200, json_response("アラート / Alerts", array_of("Alert"))),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        },
    ]);
    ops
}

// ---------------------------------------------------------------------------
// Termination of services (routes/termination.rs)

fn termination_parameters(mut params: Value) -> Value {
    let kinds: Vec<&str> = kijun_core::termination::ItemKind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    let extra = json!({
        "TerminationCaseId": {"name": "id", "in": "path", "required": true, "schema": {"type": "string"},
            "description": "終了手続 ID（見えないものは 404） / Termination case id; one not visible is 404"},
        "TerminationItemKind": {"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": kinds},
            "description": "チェックリストの項目 ID。その他、または事業者の担当でない項目は 404 / The checklist item id; anything else, or an item not the vendor's, is 404"},
    });
    if let (Value::Object(p), Value::Object(e)) = (&mut params, extra) {
        p.extend(e);
    }
    params
}

fn termination_schemas(schemas: &mut Map<String, Value>) {
    use kijun_core::termination::ItemKind;
    let kinds: Vec<&str> = ItemKind::ALL.iter().map(|k| k.as_str()).collect();
    schemas.insert(
        "OpenTerminationCase".into(),
        object(
            "終了手続の開始 / Opening a termination case",
            &["announced_on", "effective_on"],
            true,
            vec![
                ("announced_on", date("事業者が終了を告知した日 / The day the termination was announced")),
                ("effective_on", date("サービスの終了日（告知日より前は 400） / The day the service ends; before the notice: 400")),
                ("due_on", nullable_date("全項目の期限。省略で終了日 / Every item's due date; default: the effective date")),
                ("note", json!({"type": "string", "maxLength": 2000, "description": "メモ / Note"})),
            ],
        ),
    );
    schemas.insert(
        "SubmitTerminationItem".into(),
        object(
            "項目の提出 / Submitting an item",
            &["note"],
            true,
            vec![
                ("note", json!({"type": "string", "minLength": 1, "maxLength": 4000, "description": "実施内容（空は 400） / What was done; blank: 400"})),
                ("evidence_ids", json!({"type": "array", "maxItems": 50, "items": {"type": "string"}, "description": "証跡ファイル ID（証跡ファイルの登録で得たもの。同じテナントのもの、事業者は自分の組織の利用者が登録したもの） / Evidence ids from the evidence upload (of the tenant; a vendor: its organisation's)"})),
                ("due_on", nullable_date("新しい期限。省略で変更しない / A new due date; omitted: unchanged")),
            ],
        ),
    );
    schemas.insert(
        "ReviewTerminationItem".into(),
        object(
            "項目の確認 / A reviewer's decision on an item",
            &["decision"],
            true,
            vec![
                ("decision", string_enum("sign_off = 確認済み, return = 差戻し / Decision", &["sign_off", "return"])),
                ("comment", json!({"type": ["string", "null"], "maxLength": 2000, "description": "コメント（差戻しでは必須） / Comment (required to return)"})),
            ],
        ),
    );
    schemas.insert(
        "DeletionCertificateInput".into(),
        object(
            "データ消去証明書の記録 / Recording the deletion certificate",
            &["evidence_id", "issued_on"],
            true,
            vec![
                ("evidence_id", string("証明書のファイル（このテナントの証跡ファイル） / The certificate file (evidence of this tenant)")),
                ("issued_on", date("証明書の発行日 / The certificate's issue date")),
            ],
        ),
    );
    schemas.insert(
        "DeletionCertificate".into(),
        object(
            "記録されたデータ消去証明書 / The recorded deletion certificate",
            &["evidence_id", "filename", "sha256", "issued_on", "recorded_at"],
            false,
            vec![
                ("evidence_id", string("証跡ファイル ID / Evidence id")),
                ("filename", string("登録時のファイル名 / The file name as uploaded")),
                ("sha256", json!({"type": "string", "pattern": "^[0-9a-f]{64}$", "description": "登録時のファイルの SHA-256 / The file's SHA-256 at upload"})),
                ("issued_on", date("発行日 / Issue date")),
                ("recorded_at", timestamp("記録日時 / Recorded at")),
                ("recorded_by", nullable_string("記録した利用者の ID / Who recorded it")),
            ],
        ),
    );
    schemas.insert(
        "TerminationItem".into(),
        object(
            "チェックリストの項目 / A checklist item",
            &["kind", "label", "seed_refs", "position", "responsible", "required", "state", "note", "evidence_ids"],
            false,
            vec![
                ("kind", string_enum("項目 ID / Item id", &kinds)),
                ("label", string("項目名（基準の文言） / Label, in the seeds' words")),
                ("seed_refs", strings("根拠（カタログ ID と要求事項 ID） / Where it comes from")),
                ("position", integer("順番 / Position")),
                ("responsible", string_enum("担当: provider = 外部サービス提供者, integrator = 導入事業者, municipality = 当局 / Responsible party", &["provider", "integrator", "municipality"])),
                ("required", boolean("完了に必要か（特殊アカウントは該当する場合のみ） / Required for closing")),
                ("due_on", nullable_date("期限 / Due date")),
                ("state", string_enum("状態: pending = 未提出, submitted = 確認待ち, returned = 差戻し, signed_off = 確認済み / State", &["pending", "submitted", "returned", "signed_off"])),
                ("note", string("最新の提出の実施内容 / The latest submission's note")),
                ("evidence_ids", strings("最新の提出の証跡ファイル / The latest submission's evidence")),
                ("organisation_id", nullable_string("提出した事業者の組織（スタッフは null） / Submitting organisation; null: staff")),
                ("submitted_at", nullable_timestamp("提出日時 / Submitted at")),
                ("submitted_by", nullable_string("提出した利用者の ID / Who submitted")),
                ("submitted_by_name", nullable_string("その表示名 / Their display name")),
                ("review_comment", nullable_string("確認のコメント（差戻しの理由） / Reviewer's comment")),
                ("reviewed_at", nullable_timestamp("確認日時 / Reviewed at")),
                ("reviewed_by", nullable_string("確認した利用者の ID / Reviewer")),
                ("reviewed_by_name", nullable_string("その表示名 / Their display name")),
            ],
        ),
    );
    schemas.insert(
        "TerminationCase".into(),
        object(
            "終了手続 / A termination case",
            &["id", "tenant_id", "service_id", "status", "announced_on", "effective_on", "note", "opened_at", "updated_at", "items", "notice"],
            false,
            vec![
                ("id", string("ID / Id")),
                ("tenant_id", string("テナント ID / Tenant id")),
                ("service_id", string("サービス ID / Service id")),
                ("status", string_enum("open = 手続中, closed = 完了 / Status", &["open", "closed"])),
                ("announced_on", date("告知日 / Announced on")),
                ("effective_on", date("終了日 / Effective on")),
                ("note", string("メモ / Note")),
                ("certificate", nullable_ref("DeletionCertificate")),
                ("opened_at", timestamp("開始日時 / Opened at")),
                ("opened_by", nullable_string("開始した利用者の ID / Who opened it")),
                ("closed_at", nullable_timestamp("完了日時 / Closed at")),
                ("closed_by", nullable_string("完了した利用者の ID / Who closed it")),
                ("updated_at", timestamp("更新日時 / Updated at")),
                ("items", json!({"type": "array", "items": schema_ref("TerminationItem"), "description": "見える項目（事業者は自分の担当のものだけ）、チェックリストの順 / The visible items (a vendor: its own), in checklist order"})),
                ("notice", object(
                    "告知の判定（seed-003 1-3 の 1 か月前の規則） / The notice check (one month before)",
                    &["announced_on", "effective_on", "deadline", "on_time", "message"],
                    false,
                    vec![
                        ("announced_on", date("告知日 / Announced on")),
                        ("effective_on", date("終了日 / Effective on")),
                        ("deadline", date("告知の期限（終了日の 1 か月前の同日、その日がなければ月末） / The last day the notice could be given")),
                        ("on_time", boolean("期限までに告知されたか / Announced on or before the deadline")),
                        ("message", string("判定の説明 / The finding")),
                    ],
                )),
                ("closure", json!({
                    "type": ["object", "null"],
                    "description": "完了の判定（事業者には null） / The closure check (null for vendors)",
                    "properties": {
                        "ready": {"type": "boolean", "description": "完了できるか / May close"},
                        "unsigned_items": {"type": "array", "items": {"type": "string", "enum": kinds}, "description": "確認済みでない必須項目 / Required items not signed off"},
                        "certificate_recorded": {"type": "boolean", "description": "証明書が記録されているか / Certificate recorded"},
                        "missing": {"type": "array", "items": {"type": "string"}, "description": "未了のもの（日本語） / What is missing, in Japanese"},
                    },
                })),
            ],
        ),
    );
}

const TERMINATION_RULE: &str = "テナントのスタッフはすべて、閲覧者は読むだけ（変更は 403）、サービスの提供者・導入事業者の組織の事業者は自分の担当の項目だけを読み・提出する（確認・証明書・完了は 403）。他テナント・他の事業者のサービス、担当でない項目は 404 / Tenant staff do everything, viewers read (writes 403), users of the service's provider or integrator organisation read and submit only their own items (review, certificate, close: 403); another tenant's or vendor's service and items not theirs are 404";

#[allow(clippy::too_many_lines)]
fn termination_ops() -> Vec<Op> {
    let case = || json_response("終了手続 / The case", schema_ref("TerminationCase"));
    let case_params = || vec![param_ref("TerminationCaseId")];
    let item_params = || {
        vec![
            param_ref("TerminationCaseId"),
            param_ref("TerminationItemKind"),
        ]
    };
    vec![
        Op {
            method: "POST",
            path: "/services/{id}/termination-cases",
            id: "openTerminationCase",
            tag: "termination",
            summary: "終了手続の開始 / Open a termination case",
            description: "サービスの終了手続をチェックリストのすべての項目（担当・期限つき）とともに開始する。応答の notice に 1 か月前の規則の判定（告知が遅い場合は on_time = false）。完了していない手続があれば 409 conflict。テナントのスタッフのみ。監査ログ (termination_opened) に記録する。 / Opens a case with the whole checklist (responsible party and due date per item); the response's notice gives the one-month check. An open case already: 409. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Json("OpenTerminationCase"),
            ok: (201, case()),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["conflict"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/services/{id}/termination-cases",
            id: "listTerminationCases",
            tag: "termination",
            summary: "サービスの終了手続の履歴 / A service's termination history",
            description: TERMINATION_RULE,
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("ServiceId")],
            body: RequestBody::Empty,
            ok: (
                200,
                json_response(
                    "終了手続（古い順） / The cases, oldest first",
                    array_of("TerminationCase"),
                ),
            ),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/termination-cases/{id}",
            id: "getTerminationCase",
            tag: "termination",
            summary: "終了手続 / A termination case",
            description: TERMINATION_RULE,
            auth: Auth::Full,
            bearer: true,
            params: case_params(),
            body: RequestBody::Empty,
            ok: (200, case()),
            errors: vec![(404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/termination-cases/{id}/items/{kind}/submit",
            id: "submitTerminationItem",
            tag: "termination",
            summary: "項目の提出 / Submit an item",
            description: "項目の実施内容・証跡ファイル・期限を提出する（未提出・確認待ち・差戻しから確認待ちへ）。確認済みの項目や完了した手続は 409 invalid_transition。テナントのスタッフ、または担当の組織の事業者。閲覧者は 403。監査ログ (termination_item_submitted) に記録する。 / Submits an item's note, evidence and due date (pending, submitted or returned → submitted); a signed-off item or closed case: 409. Tenant staff or the responsible vendor; viewers 403. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: item_params(),
            body: RequestBody::Json("SubmitTerminationItem"),
            ok: (200, case()),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["invalid_transition"]),
            ],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/termination-cases/{id}/items/{kind}/review",
            id: "reviewTerminationItem",
            tag: "termination",
            summary: "項目の確認・差戻し / Sign off or return an item",
            description: "確認待ちの項目を確認済み (sign_off) にするか、理由 (comment) を付けて差し戻す (return)。それ以外の状態は 409 invalid_transition。テナントのスタッフのみ（閲覧者・事業者は 403）。監査ログ (termination_item_reviewed) に記録する。 / Signs a submitted item off or returns it with a comment; any other state: 409. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: item_params(),
            body: RequestBody::Json("ReviewTerminationItem"),
            ok: (200, case()),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["invalid_transition"]),
            ],
            can_fail: true,
        },
        Op {
            method: "PUT",
            path: "/termination-cases/{id}/certificate",
            id: "recordDeletionCertificate",
            tag: "termination",
            summary: "データ消去証明書の記録 / Record the deletion certificate",
            description: "事業者のデータ消去証明書（登録済みの証跡ファイル）を記録する: ファイル名と SHA-256 は登録時のもの、発行日は本文から。完了した手続は 409。テナントのスタッフのみ。監査ログ (deletion_certificate_recorded) に記録する。 / Records the vendor's certificate from an uploaded evidence file (its name and SHA-256 as uploaded) and the issue date; a closed case: 409. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: case_params(),
            body: RequestBody::Json("DeletionCertificateInput"),
            ok: (200, case()),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["invalid_transition"]),
            ],
            can_fail: true,
        },
        Op {
            method: "GET",
            path: "/termination-cases/{id}/certificate-request",
            id: "getDeletionCertificateRequest",
            tag: "termination",
            summary: "「データ消去証明書」提出依頼書 / The deletion certificate request letter",
            description: "外部サービス提供者あての「データ消去証明書」提出依頼書（対象、証明書の記載事項と根拠、チェックリストの状況）を PDF または印刷用 HTML で返す。手続が見える利用者なら誰でも。出力は監査ログ (deletion_certificate_request_exported) に記録する。 / The request letter to the provider (scope, what the certificate must state with its sources, the checklist) as PDF or printable HTML; anyone who sees the case. Logged.",
            auth: Auth::Full,
            bearer: true,
            params: vec![param_ref("TerminationCaseId"), param_ref("ReportFormat")],
            body: RequestBody::Empty,
            ok: (200, report_content("提出依頼書 / The request letter")),
            errors: vec![(400, vec!["invalid_field"]), (404, vec!["not_found"])],
            can_fail: true,
        },
        Op {
            method: "POST",
            path: "/termination-cases/{id}/close",
            id: "closeTerminationCase",
            tag: "termination",
            summary: "終了手続の完了 / Close a termination case",
            description: "すべての必須項目が確認済みで、データ消去証明書が記録されていれば完了する。そうでなければ 409 case_not_closable（error.problems に未了のものをすべて）。完了済みは 409 invalid_transition。テナントのスタッフのみ。監査ログ (termination_closed) に記録する。 / Closes the case when every required item is signed off and the certificate is recorded; else 409 case_not_closable listing every missing one. Already closed: 409 invalid_transition. Tenant staff only. Audit-logged.",
            auth: Auth::Full,
            bearer: true,
            params: case_params(),
            body: RequestBody::Empty,
            ok: (200, case()),
            errors: vec![
                (403, vec!["forbidden"]),
                (404, vec!["not_found"]),
                (409, vec!["invalid_transition", "case_not_closable"]),
            ],
            can_fail: true,
        },
    ]
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
            "description": "認証: ログインで得たセッション Cookie（POST/PUT/DELETE では X-CSRF-Token ヘッダーも）、または API トークン (Authorization: Bearer)。エラーはすべて {\"error\": {\"code\", \"message\", \"field\"?}} の形で返る。他テナントの対象は存在しない場合と同じく 404。事業者は招待された審査と自分の対象者の項目だけが見え、それ以外も 404。日時はすべて UTC の ISO 8601。手引き: docs/api.md / Authentication: the login session cookie (plus X-CSRF-Token on unsafe methods) or an API token as a bearer token. Every error has the one Error shape. Another tenant's objects answer 404; a vendor sees only the assessments it is invited to and its own party's items, the rest is 404 too. Timestamps are ISO 8601 UTC.",
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
        let (mut bodies, mut files) = (0, 0);
        for (method, path, op) in doc_operations(&doc) {
            let body = &op["requestBody"];
            if body.is_null() {
                continue;
            }
            bodies += 1;
            assert_eq!(body["required"], true);
            if body["content"].get("application/json").is_none() {
                // A raw file: one typeless schema per media type, naming it.
                files += 1;
                let content = body["content"].as_object().cloned().unwrap_or_default();
                assert!(!content.is_empty(), "{method} {path}");
                for (media_type, media) in content {
                    let schema = &media["schema"];
                    assert_eq!(schema["contentMediaType"], media_type.as_str());
                    assert!(schema.get("type").is_none(), "{method} {path}");
                }
                continue;
            }
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
        assert!(bodies > files);
        assert_eq!(
            files,
            2 + RECORD_DOCS.len(),
            "only the evidence upload, the checklist import and the oversight CSV imports take a raw file"
        );
        for nested in [
            "PasswordPolicyUpdate",
            "LockoutPolicyUpdate",
            "ServiceProfileInput",
            "ServiceDetails",
            "Registration",
            "Certification",
            "Subcontractor",
            "Condition",
        ] {
            assert_eq!(schemas[nested]["additionalProperties"], false);
        }
    }

    /// The names of a path's `{...}` segments.
    fn template_names(path: &str) -> BTreeSet<String> {
        path.split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn path_templates_have_path_parameters() {
        let doc = document();
        for (method, path, op) in doc_operations(&doc) {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let declared: BTreeSet<String> = params
                .iter()
                .filter_map(|p| {
                    p["$ref"]
                        .as_str()
                        .and_then(|r| doc.pointer(r.trim_start_matches('#')))
                })
                .filter(|p| p["in"] == "path" && p["required"] == true)
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            assert_eq!(template_names(&path), declared, "{method} {path}");
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
        assert_eq!(listed.len(), 136);
    }

    static NULL: Value = Value::Null;

    /// `schema`, or the schema its `$ref` names.
    fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
        match schema["$ref"].as_str() {
            Some(r) => doc.pointer(r.trim_start_matches('#')).unwrap_or(&NULL),
            None => schema,
        }
    }

    fn type_matches(ty: &Value, value: &Value) -> bool {
        match ty.as_str().unwrap_or_default() {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "string" => value.is_string(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => false,
        }
    }

    /// Checks `value` against `schema` with the keywords this document uses
    /// (not `pattern`, and of the formats only `date`); mismatches go to
    /// `errors`.
    fn check(doc: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = resolve(doc, schema);
        let matching = |alternatives: &Vec<Value>| {
            alternatives
                .iter()
                .filter(|s| {
                    let mut e = Vec::new();
                    check(doc, s, value, at, &mut e);
                    e.is_empty()
                })
                .count()
        };
        if let Some(any) = schema["anyOf"].as_array()
            && matching(any) == 0
        {
            errors.push(format!("{at}: no alternative of anyOf matches {value}"));
        }
        if let Some(one) = schema["oneOf"].as_array()
            && matching(one) != 1
        {
            errors.push(format!("{at}: not exactly one of oneOf matches"));
        }
        let types = match &schema["type"] {
            Value::Array(types) => types.clone(),
            Value::Null => Vec::new(),
            ty => vec![ty.clone()],
        };
        if !types.is_empty() && !types.iter().any(|t| type_matches(t, value)) {
            errors.push(format!("{at}: {value} is not of type {}", schema["type"]));
        }
        if let Some(values) = schema["enum"].as_array()
            && !values.contains(value)
        {
            errors.push(format!("{at}: {value} is not one of {}", schema["enum"]));
        }
        if schema["format"] == "date"
            && let Some(text) = value.as_str()
            && kijun_core::service::parse_date(text).is_none()
        {
            errors.push(format!("{at}: `{text}` is not a date"));
        }
        if let (Some(min), Some(n)) = (schema["minimum"].as_f64(), value.as_f64())
            && n < min
        {
            errors.push(format!("{at}: {n} < {min}"));
        }
        if let (Some(max), Some(n)) = (schema["maximum"].as_f64(), value.as_f64())
            && n > max
        {
            errors.push(format!("{at}: {n} > {max}"));
        }
        if let Value::Object(map) = value {
            for field in schema["required"].as_array().into_iter().flatten() {
                let field = field.as_str().unwrap_or_default();
                if !map.contains_key(field) {
                    errors.push(format!("{at}: `{field}` missing"));
                }
            }
            for (key, v) in map {
                match schema["properties"].get(key) {
                    Some(p) => check(doc, p, v, &format!("{at}.{key}"), errors),
                    None if schema["additionalProperties"] == false => {
                        errors.push(format!("{at}: `{key}` not allowed"));
                    }
                    None => {}
                }
            }
        }
        if let (Value::Array(items), Some(item)) = (value, schema.get("items")) {
            for (i, v) in items.iter().enumerate() {
                check(doc, item, v, &format!("{at}[{i}]"), errors);
            }
        }
    }

    fn assert_conforms(doc: &Value, name: &str, value: &Value) {
        let mut errors = Vec::new();
        check(doc, &schema_ref(name), value, name, &mut errors);
        assert!(errors.is_empty(), "{name}: {errors:#?}\n{value:#}");
    }

    #[test]
    fn the_checker_finds_mismatches() {
        let doc = document();
        let mut errors = Vec::new();
        let bad = json!({"verdict": "great", "catalogs": [{"id": 1}], "extra": true});
        check(
            &doc,
            &schema_ref("Evaluation"),
            &bad,
            "Evaluation",
            &mut errors,
        );
        assert!(errors.len() >= 5, "{errors:#?}");
        errors.clear();
        let bad = json!({"name": "x", "work": "y", "security_officer": "z", "personal_info_manager": "w",
                         "subcontractors": [{"name": "x", "other": 1}]});
        check(
            &doc,
            &schema_ref("Subcontractor"),
            &bad,
            "Subcontractor",
            &mut errors,
        );
        assert_eq!(errors.len(), 4, "{errors:#?}");
        errors.clear();
        let bad = json!({"text": "x", "due": "2027-02-30"});
        check(
            &doc,
            &schema_ref("Condition"),
            &bad,
            "Condition",
            &mut errors,
        );
        assert_eq!(errors.len(), 1, "{errors:#?}");
    }

    /// An example for `schema`: every property if `full`, else only the
    /// required ones; arrays get one item while `depth` lasts.
    fn example(doc: &Value, schema: &Value, full: bool, depth: u32) -> Value {
        let schema = resolve(doc, schema);
        let alternatives = schema["anyOf"].as_array().or(schema["oneOf"].as_array());
        if let Some(first) = alternatives.and_then(|a| a.iter().find(|s| s["type"] != "null")) {
            return example(doc, first, full, depth);
        }
        if let Some(first) = schema["enum"].as_array().and_then(|v| v.first()) {
            return first.clone();
        }
        let ty = match &schema["type"] {
            Value::Array(types) => types.iter().find(|t| *t != "null").cloned(),
            ty => Some(ty.clone()),
        };
        match ty.as_ref().and_then(Value::as_str).unwrap_or_default() {
            "string" if schema["format"] == "date" => json!("2027-03-31"),
            "string" => json!("x"),
            "integer" => schema.get("minimum").cloned().unwrap_or(json!(1)),
            "boolean" => json!(true),
            "array" if depth > 0 => json!([example(doc, &schema["items"], full, depth - 1)]),
            "array" => json!([]),
            "object" => {
                let required = schema["required"].as_array().cloned().unwrap_or_default();
                let mut map = Map::new();
                for (name, p) in schema["properties"].as_object().into_iter().flatten() {
                    if full || required.contains(&json!(name)) {
                        map.insert(name.clone(), example(doc, p, full, depth));
                    }
                }
                Value::Object(map)
            }
            _ => Value::Null,
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<(), serde_json::Error> {
        serde_json::from_value::<T>(v).map(|_| ())
    }

    type Parser = fn(Value) -> Result<(), serde_json::Error>;

    /// The request schema `name` is closed and agrees with the Rust type
    /// `parse` reads it into: a full and a minimal example parse, each
    /// required field is required, an unknown field is refused.
    fn assert_request_schema_matches(doc: &Value, name: &str, parse: Parser) {
        let schema = &doc["components"]["schemas"][name];
        assert_eq!(schema["additionalProperties"], false, "{name}");
        let full = example(doc, schema, true, 2);
        let parsed = parse(full.clone());
        assert!(parsed.is_ok(), "{name}: {full}: {parsed:?}");
        let minimal = example(doc, schema, false, 2);
        let parsed = parse(minimal.clone());
        assert!(parsed.is_ok(), "{name}: {minimal}: {parsed:?}");
        for field in schema["required"].as_array().into_iter().flatten() {
            let mut without = minimal.clone();
            if let (Some(map), Some(field)) = (without.as_object_mut(), field.as_str()) {
                map.remove(field);
            }
            assert!(parse(without).is_err(), "{name}: `{field}` is optional");
        }
        let mut extra = full.clone();
        if let Some(map) = extra.as_object_mut() {
            map.insert("no_such_field".into(), json!(1));
        }
        assert!(parse(extra).is_err(), "{name}: unknown field accepted");
    }

    /// The request schemas of the service and assessment endpoints agree
    /// with the Rust types the server reads them into: every property is a
    /// field, the required ones are exactly those serde requires, nothing
    /// else is accepted.
    #[test]
    fn assessment_request_schemas_match_the_rust_types() {
        use crate::routes::assessments::{
            Condition, NewAssessment, NewInvitation, Review, ServiceInput, VerdictInput,
        };
        use kijun_core::service::{Certification, Registration, ServiceDetails, Subcontractor};
        use kijun_core::workflow::AnswerInput;
        let doc = document();
        let parsers: [(&str, Parser); 11] = [
            ("ServiceInput", parse::<ServiceInput>),
            ("ServiceDetails", parse::<ServiceDetails>),
            ("Registration", parse::<Registration>),
            ("Certification", parse::<Certification>),
            ("Subcontractor", parse::<Subcontractor>),
            ("NewAssessmentRequest", parse::<NewAssessment>),
            ("NewInvitationRequest", parse::<NewInvitation>),
            ("AnswerInput", parse::<AnswerInput>),
            ("Review", parse::<Review>),
            ("VerdictInput", parse::<VerdictInput>),
            ("Condition", parse::<Condition>),
        ];
        for (name, parse) in parsers {
            assert_request_schema_matches(&doc, name, parse);
        }
        let profile = example(&doc, &schema_ref("ServiceProfileInput"), true, 2);
        let profile = profile.as_object().cloned().unwrap_or_default();
        assert_eq!(profile.len(), 12);
        let checked = crate::routes::assessments::profile_from_json(&profile);
        assert!(checked.is_ok(), "{checked:?}");
    }

    /// The answer library's request schemas agree with the structs of
    /// `routes/library.rs` (`EntryInput` has `answer`, `EntryKey` not), and
    /// what the library, the consents, the dashboard and the tenant
    /// settings serialize to conforms to their response schemas.
    #[test]
    fn library_and_dashboard_schemas_match_the_rust_types() -> Result<(), Box<dyn std::error::Error>>
    {
        use std::collections::BTreeMap;

        use crate::routes::dashboard::{
            Dashboard, Expiring, OverdueCondition, ReassessmentDue, WaitingAssessment,
        };
        use crate::routes::library::{ConsentInput, EntryInput, EntryKey};
        use crate::state::TenantSettings;
        use kijun_core::answer::Status;
        use kijun_core::workflow::AnswerInput;
        use kijun_store::library::{Consent, LibraryEntry};
        let doc = document();
        let parsers: [(&str, Parser); 3] = [
            ("LibraryEntryInput", parse::<EntryInput>),
            ("LibraryEntryKey", parse::<EntryKey>),
            ("ConsentInput", parse::<ConsentInput>),
        ];
        for (name, parse) in parsers {
            assert_request_schema_matches(&doc, name, parse);
        }
        let schemas = &doc["components"]["schemas"];
        let props = |name: &str| -> BTreeSet<String> {
            schemas[name]["properties"]
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default()
        };
        let mut key_fields = props("LibraryEntryKey");
        key_fields.insert("answer".into());
        assert_eq!(props("LibraryEntryInput"), key_fields);

        let now = jiff::Timestamp::now();
        let answer = AnswerInput {
            status: Some(Status::Conforms),
            comment: Some("ISMAP 登録済み".into()),
            evidence: vec!["登録証".into()],
            ..AnswerInput::default()
        };
        let mut entry = LibraryEntry {
            organisation_id: "o".into(),
            product: String::new(),
            scope: "requirement".into(),
            key: "seed-000/SEL-01".into(),
            party: "provider".into(),
            answer: serde_json::to_value(&answer)?,
            origin_tenant_id: Some("t".into()),
            updated_at: now,
        };
        assert_conforms(&doc, "LibraryEntry", &serde_json::to_value(&entry)?);
        entry.product = "文書管理クラウド".into();
        entry.scope = "control".into();
        entry.key = "certification".into();
        entry.origin_tenant_id = None;
        assert_conforms(&doc, "LibraryEntry", &serde_json::to_value(&entry)?);
        let mut consent = Consent {
            organisation_id: "o".into(),
            tenant_id: "t".into(),
            granted_at: now,
            revoked_at: None,
        };
        assert_conforms(&doc, "Consent", &serde_json::to_value(&consent)?);
        consent.revoked_at = Some(now);
        assert_conforms(&doc, "Consent", &serde_json::to_value(&consent)?);

        let mut by_status = BTreeMap::new();
        for (status, n) in [
            ("未審査", 1),
            ("審査中", 2),
            ("承認", 3),
            ("条件付き承認", 1),
            ("不承認", 1),
        ] {
            by_status.insert(status, n);
        }
        let dashboard = Dashboard {
            today: "2026-05-01".into(),
            services_by_status: by_status,
            waiting: vec![WaitingAssessment {
                assessment_id: "a".into(),
                service: "文書管理サービス".into(),
                to_review: 3,
                with_vendors: 0,
            }],
            overdue_conditions: vec![OverdueCondition {
                assessment_id: "a".into(),
                service: "文書管理サービス".into(),
                text: "年次報告".into(),
                due: "2026-04-30".into(),
            }],
            expiring: vec![
                Expiring {
                    service_id: "s".into(),
                    service: "文書管理サービス".into(),
                    what: "ISMAP 登録".into(),
                    valid_until: "2026-04-01".into(),
                    days_left: -30,
                },
                Expiring {
                    service_id: "s".into(),
                    service: "文書管理サービス".into(),
                    what: "ISO/IEC 27017".into(),
                    valid_until: "2026-07-30".into(),
                    days_left: 90,
                },
            ],
            reassessment_due: vec![
                ReassessmentDue {
                    service_id: "s".into(),
                    service: "文書管理サービス".into(),
                    last_decided: Some("2025-04-01".into()),
                },
                ReassessmentDue {
                    service_id: "s2".into(),
                    service: "会計サービス".into(),
                    last_decided: None,
                },
            ],
            reassessment_months: 12,
            alerts: vec![crate::routes::dashboard::DashboardAlert {
                kind: kijun_core::oversight::alerts::AlertKind::IncidentInvestigationLate,
                kind_label: "インシデントの調査開始の遅れ",
                status: kijun_core::oversight::alerts::AlertStatus::Breached,
                status_label: "期限超過",
                severity: kijun_core::oversight::alerts::AlertSeverity::Critical,
                service_id: "s".into(),
                service: "文書管理サービス".into(),
                subject: kijun_core::oversight::alerts::Subject {
                    kind: "incident".into(),
                    id: "i".into(),
                },
                subject_label: "インシデント（i）".into(),
                message: "インシデントの調査着手が期限に遅れました".into(),
                deadline: now,
                deadline_text: "2026年5月1日 09:30".into(),
                dedupe_key: "k".into(),
            }],
            alerts_total: 1,
        };
        assert_conforms(&doc, "Dashboard", &serde_json::to_value(&dashboard)?);
        let dashboard = serde_json::to_value(&dashboard)?;
        let labels =
            &schemas["Dashboard"]["properties"]["services_by_status"]["propertyNames"]["enum"];
        for status in dashboard["services_by_status"]
            .as_object()
            .into_iter()
            .flat_map(|m| m.keys())
        {
            assert!(
                labels
                    .as_array()
                    .is_some_and(|l| l.contains(&json!(status))),
                "{status}"
            );
        }

        let settings = TenantSettings::default();
        assert_conforms(&doc, "TenantSettings", &serde_json::to_value(&settings)?);
        let settings: TenantSettings = serde_json::from_value(json!({"reassessment_months": 120}))?;
        assert_conforms(&doc, "TenantSettings", &serde_json::to_value(&settings)?);
        Ok(())
    }

    /// The profile schemas list exactly the attributes of
    /// `kijun_core::profile`, with their types and defaults.
    #[test]
    fn the_profile_schema_matches_the_attribute_schema() -> Result<(), serde_json::Error> {
        use kijun_core::profile::{ATTRIBUTES, AttributeType};
        let doc = document();
        for name in ["ServiceProfile", "ServiceProfileInput"] {
            let schema = &doc["components"]["schemas"][name];
            let props = schema["properties"]
                .as_object()
                .cloned()
                .unwrap_or_default();
            let names: BTreeSet<&str> = props.keys().map(String::as_str).collect();
            let expected: BTreeSet<&str> = ATTRIBUTES.iter().map(|a| a.name).collect();
            assert_eq!(names, expected, "{name}");
            for a in ATTRIBUTES {
                let p = &props[a.name];
                assert_eq!(p["default"], serde_json::to_value(a.default_value())?);
                match a.kind {
                    AttributeType::Bool => assert_eq!(p["type"], "boolean", "{}", a.name),
                    AttributeType::Enum(values) => assert_eq!(p["enum"], json!(values)),
                    AttributeType::Int { min, max } => {
                        assert_eq!((&p["minimum"], &p["maximum"]), (&json!(min), &json!(max)));
                    }
                }
            }
        }
        let stored = serde_json::to_value(kijun_core::Profile::default())?;
        assert_conforms(&doc, "ServiceProfile", &stored);
        Ok(())
    }

    /// What the server stores and computes conforms to the response schemas.
    #[test]
    fn termination_case_views_match_their_schema() -> Result<(), Box<dyn std::error::Error>> {
        use crate::routes::oversight::OversightAccess;
        use crate::routes::termination::case_view;
        use kijun_store::assessment::ServiceRecord;
        use kijun_store::termination::{DeletionCertificate, TerminationCase, TerminationItem};
        let doc = document();
        let now = jiff::Timestamp::now();
        let service = ServiceRecord {
            id: "s".into(),
            tenant_id: "t".into(),
            name: "文書管理サービス".into(),
            purpose: "文書管理".into(),
            department: "総務課".into(),
            provider_org_id: Some("o".into()),
            integrator_org_id: Some("i".into()),
            details: json!({}),
            created_at: now,
            updated_at: now,
        };
        let item = |kind: &str, responsible: &str, submitted: bool| TerminationItem {
            kind: kind.into(),
            position: 1,
            responsible: responsible.into(),
            required: true,
            due_on: Some("2026-05-31".into()),
            state: if submitted { "submitted" } else { "pending" }.into(),
            note: if submitted { "削除済み" } else { "" }.into(),
            evidence_ids: if submitted { vec!["e".into()] } else { vec![] },
            organisation_id: submitted.then(|| "o".to_owned()),
            submitted_at: submitted.then_some(now),
            submitted_by: submitted.then(|| "u".to_owned()),
            submitted_by_name: submitted.then(|| "提供者".to_owned()),
            review_comment: None,
            reviewed_at: None,
            reviewed_by: None,
            reviewed_by_name: None,
        };
        let mut case = TerminationCase {
            id: "c".into(),
            tenant_id: "t".into(),
            service_id: "s".into(),
            status: "open".into(),
            announced_on: "2026-05-01".into(),
            effective_on: "2026-05-31".into(),
            note: String::new(),
            certificate: None,
            opened_at: now,
            opened_by: Some("u".into()),
            closed_at: None,
            closed_by: None,
            updated_at: now,
            items: vec![
                item("data_deletion", "provider", true),
                item("data_return", "integrator", false),
            ],
        };
        for access in [
            OversightAccess::Manage,
            OversightAccess::Read,
            OversightAccess::Vendor("o".into()),
        ] {
            let v = case_view(&case, &service, &access).map_err(|e| e.message)?;
            assert_conforms(&doc, "TerminationCase", &v);
        }
        case.certificate = Some(DeletionCertificate {
            evidence_id: "e".into(),
            filename: "証明書.pdf".into(),
            sha256: "0".repeat(64),
            issued_on: "2026-06-01".into(),
            recorded_at: now,
            recorded_by: None,
        });
        case.status = "closed".into();
        case.closed_at = Some(now);
        let v = case_view(&case, &service, &OversightAccess::Manage).map_err(|e| e.message)?;
        assert_conforms(&doc, "TerminationCase", &v);
        // A vendor of the provider sees only the provider's item.
        let v = case_view(&case, &service, &OversightAccess::Vendor("o".into()))
            .map_err(|e| e.message)?;
        assert_eq!(v["items"].as_array().map(Vec::len), Some(1));
        Ok(())
    }

    #[test]
    fn stored_and_computed_shapes_match_their_schemas() -> Result<(), Box<dyn std::error::Error>> {
        use kijun_core::answer::{Answer, AnswerSet, Remediation, Status};
        use kijun_core::catalog::Date;
        use kijun_core::evaluate::{Severity, Verdict, applicable_items, evaluate_catalog};
        use kijun_core::service::{RecordDate, ServiceDetails};
        use kijun_core::workflow::AnswerInput;
        use kijun_store::assessment::{AssessmentRecord, HistoryEntry, Invitation, ServiceRecord};
        let doc = document();
        let now = jiff::Timestamp::now();
        let due = Date {
            year: 2027,
            month: 3,
            day: 31,
        };
        let details: ServiceDetails = serde_json::from_value(json!({
            "contract_start": "2026-04-01",
            "contract_end": "2031-03-31",
            "data_locations": ["日本（東京リージョン）"],
            "governing_law": "日本法",
            "court": "東京地方裁判所",
            "ismap": {"number": "C21-0001-1", "valid_until": "2027-03-31"},
            "lgwan_asp": {"number": "A-1"},
            "certifications": [{"name": "ISO/IEC 27017", "issuer": "JQA", "valid_until": null}],
            "subcontractors": [{"name": "保守株式会社", "work": "運用保守", "security_officer": "山田", "personal_info_manager": "佐藤",
                "subcontractors": [{"name": "孫請株式会社", "work": "監視", "security_officer": "鈴木", "personal_info_manager": "高橋"}]}],
        }))?;
        for d in [&details, &ServiceDetails::default()] {
            assert_conforms(&doc, "ServiceDetails", &serde_json::to_value(d)?);
        }
        let profile = kijun_core::Profile::default();
        let service = ServiceRecord {
            id: "s".into(),
            tenant_id: "t".into(),
            name: "文書管理サービス".into(),
            purpose: "文書管理".into(),
            department: "総務課".into(),
            provider_org_id: Some("o".into()),
            integrator_org_id: None,
            details: json!({"profile": profile, "details": details}),
            created_at: now,
            updated_at: now,
        };
        assert_conforms(&doc, "Service", &serde_json::to_value(&service)?);

        // An evaluation with every kind of answer.
        let controls = kijun_core::ControlVocabulary::builtin()?;
        let catalogs = kijun_core::CatalogSet::builtin(&controls)?;
        let catalog = catalogs.iter().next().ok_or("no built-in catalog")?;
        let items = applicable_items(catalog, &profile);
        let answer = |status| Answer {
            status,
            comment: Some("説明".into()),
            evidence: vec!["規程".into()],
            reason: (status == Status::NotApplicable).then(|| "理由".to_owned()),
            remediation: None,
        };
        let mut set = AnswerSet::default();
        let mut partial = answer(Status::Partial);
        partial.remediation = Some(Remediation {
            plan: "取得予定".into(),
            due,
        });
        let answers = [
            answer(Status::Conforms),
            partial,
            answer(Status::Partial),
            answer(Status::NotApplicable),
            answer(Status::DoesNotConform),
        ];
        for (a, answer) in items.iter().zip(answers) {
            set.set_requirement(&catalog.id, &a.requirement.id, a.party, answer);
        }
        if let Some(a) = items
            .iter()
            .skip(5)
            .find(|a| !a.requirement.controls.is_empty())
        {
            set.set_control(
                &a.requirement.controls[0],
                a.party,
                Answer::new(Status::Conforms),
            );
        }
        let evaluation = evaluate_catalog(catalog, &profile, &set);
        assert!(evaluation.gaps.iter().any(|g| g.due.is_some()));
        assert_conforms(
            &doc,
            "CatalogEvaluation",
            &serde_json::to_value(&evaluation)?,
        );
        assert_conforms(
            &doc,
            "Evaluation",
            &json!({"verdict": evaluation.verdict, "catalogs": [evaluation]}),
        );

        // A decision as POST /assessments/{id}/verdict records it.
        let mut conditions =
            vec![json!({"text": "報告", "due": RecordDate(due), "source": "reviewer"})];
        for g in evaluation
            .gaps
            .iter()
            .filter(|g| g.severity == Severity::Condition)
        {
            conditions.push(json!({"text": g.message, "due": g.due, "source": "answer"}));
        }
        let decision = json!({
            "verdict": Verdict::Conditional,
            "computed_verdict": Verdict::Conditional,
            "note": "理由",
            "conditions": conditions,
            "decided_by": "審査 太郎",
            "decided_at": now,
        });
        assert_conforms(&doc, "Decision", &decision);
        let mut record = AssessmentRecord {
            id: "a".into(),
            tenant_id: "t".into(),
            service_id: "s".into(),
            phase: "selection".into(),
            catalogs: vec![catalog.id.clone()],
            profile: serde_json::to_value(&profile)?,
            status: "open".into(),
            due_date: Some("2026-06-30".into()),
            opened_by: "u".into(),
            opened_at: now,
            verdict: None,
            decision: None,
            updated_at: now,
        };
        assert_conforms(&doc, "Assessment", &serde_json::to_value(&record)?);
        record.status = "decided".into();
        record.verdict = Some("conditional".into());
        record.decision = Some(decision);
        assert_conforms(&doc, "Assessment", &serde_json::to_value(&record)?);

        let invitation = Invitation {
            assessment_id: "a".into(),
            user_id: "v".into(),
            party: "provider".into(),
            invited_at: now,
        };
        assert_conforms(&doc, "Invitation", &serde_json::to_value(&invitation)?);
        let draft = AnswerInput {
            status: Some(Status::Partial),
            plan: Some("取得予定".into()),
            due: Some(RecordDate(due)),
            ..AnswerInput::default()
        };
        for a in [&draft, &AnswerInput::default()] {
            assert_conforms(&doc, "AnswerInput", &serde_json::to_value(a)?);
        }
        let entry = HistoryEntry {
            seq: 1,
            at: now,
            actor_id: Some("v".into()),
            actor_name: None,
            event: "answered".into(),
            item: Some(format!("{}/X-01/provider", catalog.id)),
            details: serde_json::to_value(&draft)?,
        };
        assert_conforms(&doc, "HistoryEntry", &serde_json::to_value(&entry)?);
        Ok(())
    }

    /// The evidence operations agree with `kijun_store::evidence`: the
    /// media types are the allow-list, and `EvidenceRecord` has exactly the
    /// fields a record serializes to (not `blob_key`).
    #[test]
    fn evidence_schemas_match_the_store() -> Result<(), Box<dyn std::error::Error>> {
        use kijun_store::evidence::{ALLOWED_CONTENT_TYPES, EvidenceRecord};
        let doc = document();
        let allowed: Vec<&str> = ALLOWED_CONTENT_TYPES.to_vec();
        let keys = |v: &Value| -> Vec<String> {
            let mut keys: Vec<String> = v
                .as_object()
                .map(|m| m.keys().cloned().collect())
                .unwrap_or_default();
            keys.sort_unstable();
            keys
        };
        let mut sorted = allowed.clone();
        sorted.sort_unstable();
        let upload = &doc["paths"]["/assessments/{id}/evidence"]["post"];
        assert_eq!(keys(&upload["requestBody"]["content"]), sorted);
        let download = &doc["paths"]["/evidence/{id}"]["get"]["responses"]["200"];
        assert_eq!(keys(&download["content"]), sorted);
        for header in [
            "Content-Disposition",
            "X-Content-SHA256",
            "X-Content-Type-Options",
        ] {
            assert!(download["headers"][header]["$ref"].is_string(), "{header}");
        }
        let names: Vec<&str> = upload["parameters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| resolve(&doc, p)["name"].as_str())
            .collect();
        assert_eq!(names, ["id", "filename"]);
        let schema = &doc["components"]["schemas"]["EvidenceRecord"];
        assert_eq!(schema["properties"]["content_type"]["enum"], json!(allowed));
        let record = EvidenceRecord {
            id: "e".into(),
            tenant_id: "t".into(),
            owner_user_id: "u".into(),
            filename: "報告書.pdf".into(),
            content_type: "application/pdf".into(),
            size: 1234,
            sha256: "0".repeat(64),
            key_id: "k".into(),
            blob_key: "evidence/t/e".into(),
            created_at: jiff::Timestamp::now(),
        };
        let value = serde_json::to_value(&record)?;
        assert_conforms(&doc, "EvidenceRecord", &value);
        let fields = keys(&value);
        let properties = keys(&schema["properties"]);
        assert_eq!(fields, properties);
        let mut required: Vec<String> = schema["required"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|f| f.as_str().map(str::to_owned))
            .collect();
        required.sort_unstable();
        assert_eq!(required, properties);
        assert!(!fields.iter().any(|f| f == "blob_key"));
        Ok(())
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
            (("DELETE", "/api/v1/services/{id}".to_owned()), false),
            (("PUT", "/api/v1/assessments/{id}".to_owned()), false),
            (("POST", "/api/v1/library".to_owned()), false),
            (
                ("GET", "/api/v1/library/consents/{tenant_id}".to_owned()),
                false,
            ),
        ]);
        for ((method, path), documented) in probes {
            let uri: Vec<&str> = path
                .split('/')
                .map(|s| if s.starts_with('{') { "x" } else { s })
                .collect();
            let uri = uri.join("/");
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
