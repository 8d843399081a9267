//! Every phrase a reader meets, one row each with all its languages side by side, so a
//! translation is never missing and a new phrase cannot be added in one language only.
//! `{name}` marks a value filled in with [`Lang::fill`].

use super::Lang;

/// Defines [`Phrase`], its list and its key, and [`Lang::phrase`], from one table.
macro_rules! phrases {
    ($( $(#[doc = $doc:literal])* $name:ident => $en:literal, $es:literal; )*) => {
        /// A phrase of a page, export or widget.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Phrase {
            $( $(#[doc = $doc])* $name, )*
        }

        impl Phrase {
            /// Every phrase, for the widget's JSON.
            pub const ALL: &'static [Phrase] = &[$(Phrase::$name,)*];

            /// Its name in the widget's JSON.
            pub fn key(self) -> &'static str {
                match self {
                    $( Phrase::$name => stringify!($name), )*
                }
            }
        }

        impl Lang {
            /// A phrase in this language.
            pub fn phrase(self, phrase: Phrase) -> &'static str {
                match (self, phrase) {
                    $(
                        (Lang::En, Phrase::$name) => $en,
                        (Lang::Es, Phrase::$name) => $es,
                    )*
                }
            }
        }
    };
}

phrases! {
    /// A date known only to have been no later than a period.
    By => "by {date}", "{date} o antes";
    /// The week bucket starting on a day.
    WeekOf => "wk of {date}", "sem. del {date}";
    /// What a timeline shows when no title is given.
    DefaultTitle => "The feud, in time order", "El conflicto, en orden cronológico";
    /// The widget while it loads.
    Loading => "Loading the timeline…", "Cargando la cronología…";
    /// The list's name for screen readers, oldest first.
    ListOldestFirst => "Actions, oldest first", "Acciones, de la más antigua a la más reciente";
    /// The list's name for screen readers, newest first.
    ListNewestFirst => "Actions, newest first", "Acciones, de la más reciente a la más antigua";
    /// Beside the count while live events arrive.
    Live => "live", "en directo";
    /// While the live connection is being restored.
    Reconnecting => "reconnecting…", "reconectando…";
    /// Announced when an action arrives.
    NewAction => "New: {title}", "Nueva: {title}";
    /// Announced when an action is corrected.
    CorrectedAction => "Corrected: {title}", "Corregida: {title}";
    /// Announced when an action is retracted.
    RetractedAction => "Retracted: {title}", "Anulada: {title}";
    /// The mark on a corrected action.
    Corrected => "Corrected", "Corregida";
    /// The mark with its date and the editor's note.
    CorrectedOn => "Corrected {date}: {note}", "Corregida el {date}: {note}";
    /// Where a retracted action stood.
    RetractedOn => "Retracted on {date}: {reason}", "Anulada el {date}: {reason}";
    /// Before one source.
    Source => "Source", "Fuente";
    /// Before several sources.
    Sources => "Sources", "Fuentes";
    /// Before where it happened.
    Place => "Where", "Dónde";
    /// How big it was (troops, agents).
    Magnitude => "How many", "Cuántos";
    /// A link to an answered action that is on the story's page, not in the widget.
    OnStoryPage => "(on the story's page)", "(en la página de la historia)";
    /// When the limit leaves actions out.
    ShowingSome => "Showing {shown} of {total}.", "Se muestran {shown} de {total}.";
    /// A link to everything.
    SeeAll => "See the whole timeline", "Ver la cronología completa";
    /// When nothing matches.
    Empty => "Nothing has been recorded here yet.", "Aún no hay nada registrado aquí.";
    /// The credit line, before the link to Standoff.
    CreditBy => "Sourced timeline by", "Cronología con fuentes de";
    /// When the widget's own address asks for something that cannot be shown.
    ErrorSettings => "This timeline's settings have a mistake, so it cannot be shown.", "La configuración de esta cronología tiene un error, así que no se puede mostrar.";
    /// When the story named does not exist.
    ErrorNoStory => "There is no story called “{slug}”.", "No hay ninguna historia llamada «{slug}».";
    /// When the service is busy.
    ErrorBusy => "Too many readers at once. Trying again shortly…", "Demasiados lectores a la vez. Se volverá a intentar en breve…";
    /// When the service cannot be reached.
    ErrorLoad => "The timeline could not be loaded. Trying again shortly…", "No se pudo cargar la cronología. Se volverá a intentar en breve…";
    /// A chart's title for one story.
    ChartTitleStory => "{story}: escalation by side, per {unit}", "{story}: escalada por bando, por {unit}";
    /// A chart's title across stories.
    ChartTitle => "Escalation by side, per {unit}", "Escalada por bando, por {unit}";
    /// A chart's description.
    ChartDesc => "Sum of action intensities (−10 most conflictual, +10 most cooperative) for each side and {unit}: {sides} over {buckets}.", "Suma de las intensidades de las acciones (−10 lo más conflictivo, +10 lo más cooperativo) por bando y {unit}: {sides} a lo largo de {buckets}.";
    /// A chart's description, of its bands.
    ChartBands => "Actions known only to a longer period (a month, a year): {actions}, drawn as shaded bands across that period.", "Acciones fechadas solo en un periodo más largo (un mes, un año): {actions}, dibujadas como franjas sombreadas a lo largo de ese periodo.";
    /// The chart's y axis.
    ChartYAxis => "Sum of intensity (negative = conflict)", "Suma de intensidad (negativo = conflicto)";
    /// The chart's x axis.
    ChartXAxis => "Time ({unit})", "Tiempo ({unit})";
    /// A chart with nothing to draw.
    NoActions => "No actions match this filter.", "Ninguna acción coincide con este filtro.";
    /// A band's legend entry, first line.
    DatedOnly => "Dated only", "Fechadas solo";
    /// A band's legend entry, second line.
    ToAPeriod => "to a period", "en un periodo";
    /// A band's tooltip, after its side.
    NotMorePrecise => "{side}, {period} (not dated more precisely): {actions}, sum {sum}", "{side}, {period} (sin fecha más precisa): {actions}, suma {sum}";
    /// A point's tooltip.
    PointTip => "{side}, {bucket}: {actions}, sum {sum}", "{side}, {bucket}: {actions}, suma {sum}";
    /// The chart's source line.
    ChartSource => "Source: Standoff, {story}, {date}", "Fuente: Standoff, {story}, {date}";
    /// The chart's source line across stories.
    ChartSourceAll => "Source: Standoff, {date}", "Fuente: Standoff, {date}";
    /// The chart's link to its numbers.
    DataTable => "Data table", "Tabla de datos";
    /// A feed's title.
    FeedTitle => "new and corrected actions", "acciones nuevas y corregidas";
    /// After a corrected entry's title.
    CorrectedSuffix => "(corrected)", "(corregida)";
    /// A tombstone's text.
    Tombstone => "Retracted: {reason} ({title})", "Anulada: {reason} ({title})";
    /// A timeline's title across stories.
    TimelineTitle => "the feud, in time order", "el conflicto, en orden cronológico";
    /// The span a timeline covers.
    Span => "{actions}, {first} to {last}", "{actions}, de {first} a {last}";
    /// A story page's kicker, above its title.
    StoryKicker => "A sourced timeline", "Una cronología con fuentes";
    /// A link to the page in the other language.
    OtherLanguage => "En español", "In English";
    /// The chart's heading on a story page.
    ChartHeading => "How each side escalated", "Cómo escaló cada bando";
    /// The chart's frame, for screen readers.
    ChartScrollable => "Escalation chart, scrollable", "Gráfico de escalada, desplazable";
    /// The chart's alternative text.
    ChartAlt => "Line chart of the summed intensity of each side's actions per {unit}; negative values are conflict. Its numbers are in the table below.", "Gráfico de líneas de la intensidad sumada de las acciones de cada bando por {unit}; los valores negativos son conflicto. Sus cifras están en la tabla de abajo.";
    /// Under the chart on narrow screens.
    ScrollHint => "Scroll sideways to see the whole chart.", "Desplácese de lado para ver todo el gráfico.";
    /// The chart's table, folded.
    ChartNumbers => "The chart's numbers", "Las cifras del gráfico";
    /// The chart's table frame, for screen readers.
    ChartNumbersScrollable => "The chart's numbers, scrollable", "Las cifras del gráfico, desplazable";
    /// The chart's table's caption.
    ChartCaption => "Sum of intensity per {unit} and side (−10 most conflictual, +10 most cooperative)", "Suma de intensidad por {unit} y bando (−10 lo más conflictivo, +10 lo más cooperativo)";
    /// A column of the chart's table.
    ColumnWhen => "When", "Cuándo";
    /// A column of the chart's table.
    ColumnSide => "Side", "Bando";
    /// A column of the chart's table.
    ColumnActions => "Actions", "Acciones";
    /// A column of the chart's table.
    ColumnSum => "Sum of intensity", "Suma de intensidad";
    /// A link to the chart's table as CSV.
    DownloadCsv => "Download as CSV", "Descargar como CSV";
    /// The timeline's heading on a story page.
    WhatHappened => "What happened, in time order", "Qué pasó, en orden cronológico";
    /// When a story page shows only part of a long story.
    FirstShown => "The first {n} actions are shown.", "Se muestran las primeras {n} acciones.";
    /// A link to the widget, which holds every action.
    AllInWidget => "The live timeline holds them all.", "La cronología en directo las contiene todas.";
    /// The heading of a story page's corrections.
    CorrectionsHeading => "Corrections and retractions", "Correcciones y anulaciones";
    /// A retraction in a list of corrections.
    Retracted => "Retracted", "Anulada";
    /// The heading of a story page's embed code.
    EmbedHeading => "Embed this timeline", "Inserte esta cronología";
    /// Before the feed's link.
    FeedLink => "Feed", "Canal";
    /// Before the data exports' links.
    DataLinks => "Data", "Datos";
    /// Before the playground's link.
    QueryLink => "Query", "Consultas";
    /// The playground's name.
    Playground => "GraphQL playground", "Entorno de pruebas GraphQL";
    /// A story or the whole archive, under a title.
    Title => "{story}: {what}", "{story}: {what}";
}
