//! The organization's rules for its video lobby.

use serde::{Deserialize, Serialize};

/// Stored in `organizations.settings_json.video`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct VideoRules {
    /// Statements a participant confirms before entering the lobby; `None`
    /// is the default question.
    pub lobby_questions: Option<Vec<String>>,
}

/// At most this many questions, each at most this long.
pub const MAX_QUESTIONS: usize = 8;
pub const MAX_QUESTION_CHARS: usize = 300;

impl VideoRules {
    pub fn lobby_questions(&self) -> Vec<String> {
        self.lobby_questions.clone().unwrap_or_else(|| {
            vec!["I am in a private place where no one else can see or hear the session.".into()]
        })
    }
}
