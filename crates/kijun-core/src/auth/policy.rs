//! A tenant's password policy (seed 003 3.(1)③: length, upper and lower case
//! letters mixed with digits and symbols, no reuse, optional expiry), checked
//! all at once so the user sees every problem in one go, and described in
//! Japanese for the UI.

use std::fmt;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use super::password::verify_password;

/// Usernames shorter than this are not searched for in passwords: a one- or
/// two-letter name would forbid half the dictionary and protect nothing.
const MIN_USERNAME_CHECK_LEN: usize = 3;

const SECONDS_PER_DAY: i64 = 86_400;

/// The symbols that satisfy [`PasswordPolicy::require_symbol`]: the 32 ASCII
/// punctuation characters (`!` to `~` that are not letters or digits) and
/// the space.
fn is_symbol(c: char) -> bool {
    c.is_ascii_punctuation() || c == ' '
}

/// A per-tenant password policy, stored as JSON. Missing fields take their
/// defaults; unknown fields are rejected so a typo is not silently ignored.
///
/// Character classes are ASCII: `a-z`, `A-Z`, `0-9`, and ASCII punctuation
/// or the space for symbols. Other characters (kana, kanji, full-width
/// letters) count towards the length but towards no class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    /// Minimum length in characters (Unicode scalar values), not bytes.
    pub min_length: usize,
    /// At least one of `a-z`.
    pub require_lowercase: bool,
    /// At least one of `A-Z`.
    pub require_uppercase: bool,
    /// At least one of `0-9`.
    pub require_digit: bool,
    /// At least one ASCII symbol or space.
    pub require_symbol: bool,
    /// How many of the most recent passwords (the current one included) may
    /// not be reused; 0 allows reuse.
    pub history: usize,
    /// Days after which a password must be changed; `None` never expires.
    pub max_age_days: Option<u32>,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        PasswordPolicy {
            min_length: 12,
            require_lowercase: true,
            require_uppercase: true,
            require_digit: true,
            require_symbol: true,
            history: 5,
            max_age_days: None,
        }
    }
}

/// One way a candidate password breaks a [`PasswordPolicy`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicyViolation {
    /// Fewer characters than `min`.
    TooShort {
        min: usize,
        actual: usize,
    },
    MissingLowercase,
    MissingUppercase,
    MissingDigit,
    MissingSymbol,
    /// The password contains the username (case-insensitively), or the local
    /// part of an e-mail-address username.
    ContainsUsername,
    /// The password is one of the last `history` passwords.
    Reused {
        history: usize,
    },
}

impl fmt::Display for PolicyViolation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicyViolation::TooShort { min, actual } => write!(
                f,
                "パスワードが短すぎます ({actual}文字)。{min}文字以上にしてください (too short)"
            ),
            PolicyViolation::MissingLowercase => {
                f.write_str("英小文字 (a-z) を含めてください (missing lowercase letter)")
            }
            PolicyViolation::MissingUppercase => {
                f.write_str("英大文字 (A-Z) を含めてください (missing uppercase letter)")
            }
            PolicyViolation::MissingDigit => {
                f.write_str("数字 (0-9) を含めてください (missing digit)")
            }
            PolicyViolation::MissingSymbol => {
                f.write_str("記号 (!#$% など) を含めてください (missing symbol)")
            }
            PolicyViolation::ContainsUsername => {
                f.write_str("パスワードにユーザー名を含めないでください (contains username)")
            }
            PolicyViolation::Reused { history } => write!(
                f,
                "直近{history}回のパスワードは再利用できません (password reused)"
            ),
        }
    }
}

impl PasswordPolicy {
    /// Every way `candidate` breaks this policy, in the order of
    /// [`describe`](Self::describe), or `Ok(())`.
    ///
    /// `previous_hashes` are the user's PHC hashes, newest (the current
    /// password) first; the first [`history`](Self::history) of them are
    /// checked by verifying the candidate against each, so this costs up to
    /// `history` password-hash computations. A stored hash that cannot be
    /// parsed is skipped: it can match no password.
    pub fn check(
        &self,
        candidate: &str,
        username: &str,
        previous_hashes: &[String],
    ) -> Result<(), Vec<PolicyViolation>> {
        let mut violations = Vec::new();
        let length = candidate.chars().count();
        if length < self.min_length {
            violations.push(PolicyViolation::TooShort {
                min: self.min_length,
                actual: length,
            });
        }
        let classes = [
            (
                self.require_lowercase,
                char::is_ascii_lowercase as fn(&char) -> bool,
                PolicyViolation::MissingLowercase,
            ),
            (
                self.require_uppercase,
                char::is_ascii_uppercase,
                PolicyViolation::MissingUppercase,
            ),
            (
                self.require_digit,
                char::is_ascii_digit,
                PolicyViolation::MissingDigit,
            ),
            (
                self.require_symbol,
                |c: &char| is_symbol(*c),
                PolicyViolation::MissingSymbol,
            ),
        ];
        for (required, member, violation) in classes {
            if required && !candidate.chars().any(|c| member(&c)) {
                violations.push(violation);
            }
        }
        if contains_username(candidate, username) {
            violations.push(PolicyViolation::ContainsUsername);
        }
        let reused = previous_hashes
            .iter()
            .take(self.history)
            .any(|phc| verify_password(candidate, phc).unwrap_or(false));
        if reused {
            violations.push(PolicyViolation::Reused {
                history: self.history,
            });
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(violations)
        }
    }

    /// Whether a password last changed at `changed_at` must be changed at
    /// `now`: at least [`max_age_days`](Self::max_age_days) full days have
    /// passed. Never true without a maximum age.
    pub fn is_expired(&self, changed_at: Timestamp, now: Timestamp) -> bool {
        let Some(days) = self.max_age_days else {
            return false;
        };
        let max_age = SignedDuration::from_secs(i64::from(days).saturating_mul(SECONDS_PER_DAY));
        now.duration_since(changed_at) >= max_age
    }

    /// The rules in Japanese, one line each, for the password-change form.
    pub fn describe(&self) -> Vec<String> {
        let mut rules = vec![format!("{}文字以上", self.min_length)];
        for (required, text) in [
            (self.require_lowercase, "英小文字 (a-z) を含む"),
            (self.require_uppercase, "英大文字 (A-Z) を含む"),
            (self.require_digit, "数字 (0-9) を含む"),
            (self.require_symbol, "記号 (!#$% など) を含む"),
        ] {
            if required {
                rules.push(text.to_owned());
            }
        }
        rules.push("ユーザー名を含まない".to_owned());
        if self.history > 0 {
            rules.push(format!("直近{}回と同じパスワードは使えない", self.history));
        }
        if let Some(days) = self.max_age_days {
            rules.push(format!("{days}日ごとに変更が必要"));
        }
        rules
    }
}

/// Whether `candidate` contains `username`, or the part of an e-mail-address
/// username before `@`, ignoring case. Names shorter than
/// [`MIN_USERNAME_CHECK_LEN`] characters are not checked.
fn contains_username(candidate: &str, username: &str) -> bool {
    let candidate = candidate.to_lowercase();
    let username = username.trim().to_lowercase();
    let local_part = username.split('@').next().unwrap_or_default();
    [username.as_str(), local_part]
        .into_iter()
        .filter(|name| name.chars().count() >= MIN_USERNAME_CHECK_LEN)
        .any(|name| candidate.contains(name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::AuthError;
    use crate::auth::password::{PasswordHashConfig, hash_password};

    const GOOD: &str = "Kumo-no-ue 42!";

    fn check(candidate: &str) -> Result<(), Vec<PolicyViolation>> {
        PasswordPolicy::default().check(candidate, "tanaka", &[])
    }

    #[test]
    fn a_password_meeting_every_rule_passes() {
        assert_eq!(check(GOOD), Ok(()));
    }

    #[test]
    fn each_rule_is_reported() {
        assert_eq!(
            check("Kumo-no-u 4!"),
            Ok(()),
            "exactly 12 characters is enough"
        );
        assert_eq!(
            check("Kumo-no-4!"),
            Err(vec![PolicyViolation::TooShort {
                min: 12,
                actual: 10
            }])
        );
        assert_eq!(
            check("KUMO-NO-UE 42!"),
            Err(vec![PolicyViolation::MissingLowercase])
        );
        assert_eq!(
            check("kumo-no-ue 42!"),
            Err(vec![PolicyViolation::MissingUppercase])
        );
        assert_eq!(
            check("Kumo-no-ue xx!"),
            Err(vec![PolicyViolation::MissingDigit])
        );
        assert_eq!(
            check("KumoNoUe42xyzw"),
            Err(vec![PolicyViolation::MissingSymbol])
        );
        assert_eq!(check("KumoNoUe 42xy"), Ok(()), "a space is a symbol");
        assert_eq!(
            check("Kumo TANAKA 42!"),
            Err(vec![PolicyViolation::ContainsUsername])
        );
    }

    #[test]
    fn several_violations_are_reported_together() {
        assert_eq!(
            check("tanaka"),
            Err(vec![
                PolicyViolation::TooShort { min: 12, actual: 6 },
                PolicyViolation::MissingUppercase,
                PolicyViolation::MissingDigit,
                PolicyViolation::MissingSymbol,
                PolicyViolation::ContainsUsername,
            ])
        );
        assert_eq!(
            check(""),
            Err(vec![
                PolicyViolation::TooShort { min: 12, actual: 0 },
                PolicyViolation::MissingLowercase,
                PolicyViolation::MissingUppercase,
                PolicyViolation::MissingDigit,
                PolicyViolation::MissingSymbol,
            ])
        );
    }

    #[test]
    fn length_counts_characters_not_bytes() {
        // 11 characters but 29 bytes: still too short.
        let kana = "Aa1!あいうえおかき";
        assert_eq!(kana.chars().count(), 11);
        assert_eq!(
            check(kana),
            Err(vec![PolicyViolation::TooShort {
                min: 12,
                actual: 11
            }])
        );
        assert_eq!(check("Aa1!あいうえおかきく"), Ok(()));
    }

    #[test]
    fn non_ascii_letters_and_digits_fill_no_class() {
        // Full-width Ａ, ａ and １ are not the ASCII classes the seed means.
        let policy = PasswordPolicy {
            require_symbol: false,
            ..PasswordPolicy::default()
        };
        assert_eq!(
            policy.check("ＡａＡａ１１ＡａＡａ１１", "tanaka", &[]),
            Err(vec![
                PolicyViolation::MissingLowercase,
                PolicyViolation::MissingUppercase,
                PolicyViolation::MissingDigit,
            ])
        );
    }

    #[test]
    fn username_check_covers_email_local_part_and_skips_short_names() {
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy.check("Yamada.Hanako-42!", "hanako@example.jp", &[]),
            Err(vec![PolicyViolation::ContainsUsername])
        );
        assert_eq!(
            policy.check("Yamada-Taro-42!", "hanako@example.jp", &[]),
            Ok(())
        );
        assert_eq!(policy.check(GOOD, "ku", &[]), Ok(()));
        assert_eq!(policy.check(GOOD, "", &[]), Ok(()));
    }

    #[test]
    fn reuse_is_found_by_verifying_previous_hashes() -> Result<(), AuthError> {
        let fast = PasswordHashConfig::Pbkdf2Sha256 { iterations: 1_000 };
        let hash = |pw: &str| hash_password(pw, &fast, b"0123456789abcdef");
        let old = GOOD;
        let history = vec![
            hash("Current-pass 1!")?,
            hash("Older-pass 22!")?,
            hash(old)?,
            "garbage".to_owned(),
        ];
        let policy = PasswordPolicy::default();
        assert_eq!(
            policy.check(old, "tanaka", &history),
            Err(vec![PolicyViolation::Reused { history: 5 }])
        );
        assert_eq!(
            policy.check("Current-pass 1!", "tanaka", &history),
            Err(vec![PolicyViolation::Reused { history: 5 }])
        );
        assert_eq!(
            policy.check("Brand-new pass 3!", "tanaka", &history),
            Ok(())
        );

        // Only the most recent `history` hashes count.
        let short = PasswordPolicy {
            history: 2,
            ..PasswordPolicy::default()
        };
        assert_eq!(short.check(old, "tanaka", &history), Ok(()));
        let none = PasswordPolicy {
            history: 0,
            ..PasswordPolicy::default()
        };
        assert_eq!(none.check("Current-pass 1!", "tanaka", &history), Ok(()));
        Ok(())
    }

    #[test]
    fn expiry_counts_whole_days_and_is_off_by_default() {
        let changed = Timestamp::constant(1_700_000_000, 0);
        let at = |days: i64, secs: i64| {
            Timestamp::constant(1_700_000_000 + days * SECONDS_PER_DAY + secs, 0)
        };
        assert!(!PasswordPolicy::default().is_expired(changed, at(10_000, 0)));
        let policy = PasswordPolicy {
            max_age_days: Some(90),
            ..PasswordPolicy::default()
        };
        assert!(!policy.is_expired(changed, at(89, 86_399)));
        assert!(policy.is_expired(changed, at(90, 0)));
        assert!(policy.is_expired(changed, at(400, 0)));
        assert!(!policy.is_expired(changed, at(-1, 0)), "clock went back");
    }

    #[test]
    fn describe_lists_the_rules_in_japanese() {
        assert_eq!(
            PasswordPolicy::default().describe(),
            vec![
                "12文字以上",
                "英小文字 (a-z) を含む",
                "英大文字 (A-Z) を含む",
                "数字 (0-9) を含む",
                "記号 (!#$% など) を含む",
                "ユーザー名を含まない",
                "直近5回と同じパスワードは使えない",
            ]
        );
        let relaxed = PasswordPolicy {
            min_length: 8,
            require_symbol: false,
            require_uppercase: false,
            history: 0,
            max_age_days: Some(180),
            ..PasswordPolicy::default()
        };
        assert_eq!(
            relaxed.describe(),
            vec![
                "8文字以上",
                "英小文字 (a-z) を含む",
                "数字 (0-9) を含む",
                "ユーザー名を含まない",
                "180日ごとに変更が必要",
            ]
        );
    }

    #[test]
    fn violations_read_in_japanese_with_an_english_hint() {
        let text = PolicyViolation::TooShort { min: 12, actual: 8 }.to_string();
        assert_eq!(
            text,
            "パスワードが短すぎます (8文字)。12文字以上にしてください (too short)"
        );
        assert!(
            PolicyViolation::Reused { history: 5 }
                .to_string()
                .contains("直近5回")
        );
    }

    #[test]
    fn policy_is_stored_as_json_with_defaults_for_missing_fields() -> Result<(), serde_json::Error>
    {
        let policy = PasswordPolicy {
            max_age_days: Some(90),
            ..PasswordPolicy::default()
        };
        let json = serde_json::to_string(&policy)?;
        assert_eq!(serde_json::from_str::<PasswordPolicy>(&json)?, policy);
        let partial: PasswordPolicy = serde_json::from_str(r#"{"min_length": 16}"#)?;
        assert_eq!(
            partial,
            PasswordPolicy {
                min_length: 16,
                ..PasswordPolicy::default()
            }
        );
        assert!(serde_json::from_str::<PasswordPolicy>(r#"{"min_lenght": 16}"#).is_err());
        Ok(())
    }
}
