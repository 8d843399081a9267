//! Reader-facing words: the vocabulary (sides, stances, statuses, kinds, categories) and the
//! phrases of every page, export and widget, in each language Standoff speaks. Written once
//! here, so the feed, TimelineJS, the chart, the story page and the widget (which receives them
//! as JSON) never show an enum name to a reader and never disagree on a word.

mod phrases;

pub use phrases::Phrase;

use sea_orm::Iterable;
use standoff_entities::{ActionKind, ActionStatus, ActorKind, Category, Side, Stance};

/// A language readers are addressed in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    /// English, the default.
    #[default]
    En,
    /// Spanish: the Chicago story's readers include many Spanish speakers.
    Es,
}

/// A noun that is counted in prose ("1 month", "3 acciones").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Noun {
    /// An action of the timeline.
    Action,
    /// A side of the feud.
    Side,
    /// A calendar day.
    Day,
    /// A week.
    Week,
    /// A calendar month.
    Month,
    /// A calendar year.
    Year,
}

impl Lang {
    /// Every language, in the order a picker lists them.
    pub const ALL: [Lang; 2] = [Lang::En, Lang::Es];

    /// The language of a BCP 47 tag (`es`, `es-US`, `EN`), when Standoff speaks it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next().unwrap_or("");
        match primary.to_ascii_lowercase().as_str() {
            "en" => Some(Lang::En),
            "es" => Some(Lang::Es),
            _ => None,
        }
    }

    /// The language a story's locale names, or English when Standoff does not speak it.
    pub fn of_locale(locale: &str) -> Lang {
        Self::from_tag(locale).unwrap_or_default()
    }

    /// Its two-letter code, for `lang` attributes and URLs.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The locale chrono names its months and weekdays in.
    pub fn chrono(self) -> chrono::Locale {
        match self {
            Lang::En => chrono::Locale::en_US,
            Lang::Es => chrono::Locale::es_ES,
        }
    }

    fn pick(self, (en, es): (&'static str, &'static str)) -> &'static str {
        match self {
            Lang::En => en,
            Lang::Es => es,
        }
    }

    /// A side of the feud ("State", "Estatal").
    pub fn side(self, side: Side) -> &'static str {
        self.pick(match side {
            Side::Federal => ("Federal", "Federal"),
            Side::State => ("State", "Estatal"),
            Side::Local => ("Local", "Local"),
            Side::Other => ("Other", "Otro"),
        })
    }

    /// How a response stands to what it answers, to head "… the action" ("Complies with").
    pub fn stance(self, stance: Stance) -> &'static str {
        self.pick(match stance {
            Stance::Supports => ("Supports", "Apoya"),
            Stance::Complies => ("Complies with", "Acata"),
            Stance::CarriesOut => ("Carries out", "Cumple"),
            Stance::Withdraws => ("Withdraws", "Retira"),
            Stance::Dismisses => ("Dismisses", "Desestima"),
            Stance::Criticizes => ("Criticizes", "Critica"),
            Stance::Condemns => ("Condemns", "Condena"),
            Stance::Defies => ("Defies", "Desafía"),
            Stance::Escalates => ("Escalates", "Intensifica"),
        })
    }

    /// Whether an action is words or deeds, as a label ("Threatened", "Reported, unconfirmed").
    pub fn status(self, status: ActionStatus) -> &'static str {
        self.pick(match status {
            ActionStatus::Threatened => ("Threatened", "Amenaza"),
            ActionStatus::Planned => ("Planned", "Prevista"),
            ActionStatus::Reported => ("Reported, unconfirmed", "Informada, sin confirmar"),
            ActionStatus::CarriedOut => ("Carried out", "Llevada a cabo"),
            ActionStatus::Withdrawn => ("Withdrawn", "Retirada"),
        })
    }

    /// What sort of thing an action is ("Deployment", "Orden").
    pub fn kind(self, kind: ActionKind) -> &'static str {
        self.pick(match kind {
            ActionKind::Deployment => ("Deployment", "Despliegue"),
            ActionKind::Order => ("Order", "Orden"),
            ActionKind::Statement => ("Statement", "Declaración"),
        })
    }

    /// What sort of actor one is ("Person", "Organismo").
    pub fn actor_kind(self, kind: ActorKind) -> &'static str {
        self.pick(match kind {
            ActorKind::Person => ("Person", "Persona"),
            ActorKind::Office => ("Office", "Cargo u oficina"),
            ActorKind::Agency => ("Agency", "Organismo"),
            ActorKind::Force => ("Force", "Fuerza"),
            ActorKind::Government => ("Government", "Gobierno"),
            ActorKind::Group => ("Group", "Grupo"),
        })
    }

    /// A PLOVER category as a verb a reader understands ("Threaten", "Amenazar").
    pub fn category(self, category: Category) -> &'static str {
        self.pick(match category {
            Category::Agree => ("Agree", "Acordar"),
            Category::Consult => ("Consult", "Consultar"),
            Category::Support => ("Support", "Apoyar"),
            Category::Concede => ("Concede", "Ceder"),
            Category::Cooperate => ("Cooperate", "Cooperar"),
            Category::Aid => ("Aid", "Ayudar"),
            Category::Retreat => ("Retreat", "Retroceder"),
            Category::Demand => ("Demand", "Exigir"),
            Category::Accuse => ("Accuse", "Acusar"),
            Category::Reject => ("Reject", "Rechazar"),
            Category::Threaten => ("Threaten", "Amenazar"),
            Category::Protest => ("Protest", "Protestar"),
            Category::Sanction => ("Sanction", "Sancionar"),
            Category::Mobilize => ("Mobilize", "Movilizar"),
            Category::Coerce => ("Coerce", "Coaccionar"),
            Category::Assault => ("Assault", "Atacar"),
        })
    }

    /// A noun, singular or plural.
    pub fn noun(self, noun: Noun, plural: bool) -> &'static str {
        let (en, es) = match noun {
            Noun::Action => (("action", "actions"), ("acción", "acciones")),
            Noun::Side => (("side", "sides"), ("bando", "bandos")),
            Noun::Day => (("day", "days"), ("día", "días")),
            Noun::Week => (("week", "weeks"), ("semana", "semanas")),
            Noun::Month => (("month", "months"), ("mes", "meses")),
            Noun::Year => (("year", "years"), ("año", "años")),
        };
        let (one, many) = match self {
            Lang::En => en,
            Lang::Es => es,
        };
        if plural { many } else { one }
    }

    /// "1 month", "3 months", "1 acción", "2 acciones".
    pub fn count(self, n: u64, noun: Noun) -> String {
        format!("{n} {}", self.noun(noun, n != 1))
    }

    /// Fills `{name}` placeholders of a phrase with values, in one pass: a value that itself
    /// holds braces (a story titled "{unit}") is written as it is.
    pub fn fill(self, phrase: Phrase, values: &[(&str, &str)]) -> String {
        let template = self.phrase(phrase);
        let mut text = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            text.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match values.iter().find(|(n, _)| *n == name) {
                        Some((_, value)) => text.push_str(value),
                        None => {
                            text.push('{');
                            text.push_str(name);
                            text.push('}');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    text.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        text.push_str(rest);
        text
    }

    /// Every word and phrase of this language as JSON, keyed by the API's names, for the
    /// widget's script: the page carries it, so the script holds no text of its own.
    pub fn as_json(self) -> serde_json::Value {
        fn by_name<T: serde::Serialize + Iterable>(
            word: impl Fn(T) -> &'static str,
        ) -> serde_json::Map<String, serde_json::Value> {
            T::iter()
                .filter_map(|value| {
                    let name = serde_json::to_value(&value).ok()?.as_str()?.to_owned();
                    Some((name, serde_json::Value::from(word(value))))
                })
                .collect()
        }
        let phrases: serde_json::Map<String, serde_json::Value> = Phrase::ALL
            .iter()
            .map(|p| (p.key().to_owned(), serde_json::Value::from(self.phrase(*p))))
            .collect();
        let nouns: serde_json::Map<String, serde_json::Value> = [
            ("action", Noun::Action),
            ("day", Noun::Day),
            ("week", Noun::Week),
            ("month", Noun::Month),
            ("year", Noun::Year),
        ]
        .into_iter()
        .map(|(key, noun)| {
            (
                key.to_owned(),
                serde_json::json!([self.noun(noun, false), self.noun(noun, true)]),
            )
        })
        .collect();
        serde_json::json!({
            "lang": self.code(),
            "phrases": phrases,
            "nouns": nouns,
            "sides": by_name::<Side>(|v| self.side(v)),
            "stances": by_name::<Stance>(|v| self.stance(v)),
            "statuses": by_name::<ActionStatus>(|v| self.status(v)),
            "kinds": by_name::<ActionKind>(|v| self.kind(v)),
            "categories": by_name::<Category>(|v| self.category(v)),
            "actorKinds": by_name::<ActorKind>(|v| self.actor_kind(v)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_their_language_and_others_fall_back_to_english() {
        assert_eq!(Lang::from_tag("es-US"), Some(Lang::Es));
        assert_eq!(Lang::from_tag("EN"), Some(Lang::En));
        assert_eq!(Lang::from_tag("fr"), None);
        assert_eq!(Lang::of_locale("fr-CA"), Lang::En);
        assert_eq!(Lang::of_locale("es-419"), Lang::Es);
    }

    #[test]
    fn every_word_differs_from_its_enum_name() {
        for lang in Lang::ALL {
            let json = lang.as_json();
            for table in [
                "sides",
                "stances",
                "statuses",
                "kinds",
                "categories",
                "actorKinds",
            ] {
                let words = json[table].as_object().cloned().unwrap_or_default();
                assert!(!words.is_empty(), "{table}");
                for (name, word) in words {
                    let word = word.as_str().unwrap_or_default();
                    assert!(
                        !word.is_empty() && word != name,
                        "{lang:?} {table} {name}: {word}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_value_holding_braces_is_not_filled_again() {
        let text = Lang::En.fill(
            Phrase::Title,
            &[("story", "The {what} affair"), ("what", "feed")],
        );
        assert_eq!(text, "The {what} affair: feed");
    }

    #[test]
    fn counts_agree_in_number() {
        assert_eq!(Lang::En.count(1, Noun::Month), "1 month");
        assert_eq!(Lang::En.count(3, Noun::Month), "3 months");
        assert_eq!(Lang::Es.count(1, Noun::Action), "1 acción");
        assert_eq!(Lang::Es.count(0, Noun::Action), "0 acciones");
    }
}
