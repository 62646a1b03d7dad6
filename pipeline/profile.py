"""Study profile: design, species, conditions, size, follow-up, comparison, from the abstract alone.

Deterministic and explainable: every field records the sentence it came from in
`profile.evidence`, so a reviewer can see why a caveat was required. PubMed publication types,
when present, outrank wording in the text.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from pipeline.house import House, load_house
from pipeline.numbers import parse_count
from pipeline.readability import sentences
from pipeline.records import Design, Rating, Study, StudyProfile
from pipeline.settings import PROJECT_ROOT, Settings


def _rx(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


ANIMALS: dict[str, re.Pattern[str]] = {
    "mice": _rx("mice", "mouse", "murine", "C57BL/6\\w*", "knock-?out mice", "transgenic mice"),
    "rats": _rx("rats?", "Sprague[- ]Dawley", "Wistar"),
    "zebrafish": _rx("zebrafish", "zebra fish"),
    "fruit flies": _rx("drosophila", "fruit fl(y|ies)"),
    "worms": _rx("C\\. elegans", "Caenorhabditis", "nematodes?"),
    "monkeys": _rx("monkeys?", "macaques?", "non-?human primates?", "marmosets?"),
    "pigs": _rx("pigs?", "piglets?", "swine", "porcine"),
    "dogs": _rx("dogs?", "canine"),
    "rabbits": _rx("rabbits?"),
    "sheep": _rx("sheep", "ovine", "lambs?"),
    "chickens": _rx("chickens?", "chicks?"),
    "frogs": _rx("Xenopus", "frogs?", "tadpoles?"),
    "planarians": _rx("planarians?", "Schmidtea"),
    "mosquitoes": _rx("mosquito(es)?", "Aedes", "Anopheles"),
    "cattle": _rx("cattle", "cows?", "bovine", "calves"),
}
ANIMAL_MODEL = _rx("animal models?", "in vivo", "rodents?", "animals were")
CELLS = _rx(
    "in vitro",
    "cell lines?",
    "cultured",
    "cultures?",
    "cell culture",
    "organoids?",
    "iPSCs?",
    "induced pluripotent",
    "stem cell-derived",
    "HeLa",
    "HEK293\\w*",
    "oocytes?",
    "yeast",
    "Saccharomyces",
    "E\\. coli",
    "Escherichia coli",
    "bacteria",
    "crystal structures?",
    "cryo-EM",
    "recombinant",
    "purified",
    "in silico",
    "molecular dynamics",
    "biochemical",
    "fibroblasts?",
    "myoblasts?",
    "macrophages",
    "cell-free",
    "single-molecule",
    "molecular motors?",
    "nanoparticles?",
    "microscopy",
    "mutagenesis",
    "cells were",
    "primary (human )?[a-z]+ cells",
    "(muscle|tumou?r|cancer|stem|epithelial|endothelial) cells",
)
HUMAN_STRONG = _rx(
    "patients",
    "participants",
    "volunteers",
    "year-old",
    "women",
    "men",
    "children",
    "adults",
    "people with",
)
PERSON_NOUN = (
    r"(?:patients|participants|people|persons|subjects|individuals|adults|children|women|men|"
    r"volunteers|cases|controls|infants|adolescents|respondents|veterans|students|mothers|"
    r"newborns|neonates|residents|workers|users|survivors|smokers|athletes|girls|boys|twins|"
    r"employees|nurses|physicians|doctors|clinicians|caregivers|families|households|pregnancies)"
)
_NUMBER_WORD = (
    r"(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:-[a-z]+)?|two|three|"
    r"four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen"
)
_COUNT = r"(\d{1,3}(?:,\d{3})+|\d+|" + _NUMBER_WORD + ")"
PEOPLE_COUNT = re.compile(
    _COUNT + r"\s+(?:(?!(?:in|of|with|or|from|for|at|to|by|the|were|was|had|per|years?|months?"
    r"|weeks?|days?|hours?|\d+)\b)[\w-]+\s+){0,4}?" + PERSON_NOUN + r"\b",
    re.IGNORECASE,
)
ENROLLED = re.compile(
    _COUNT + r"\s+(?:were\s+)?(?:enrolled|recruited|randomi[sz]ed|included|"
    r"took part|participated|responded|returned|completed)\b",
    re.IGNORECASE,
)
NOT_ENROLLED = re.compile(
    r"^\W*(?:\w+\s+){0,3}?(?:were\s+)?(?:screened|invited|approached|"
    r"contacted|assessed for eligibility|eligible|excluded|declined)\b",
    re.I,
)
SUBSET = re.compile(r"(?:^|[,;:]\s*)(?:of|among) (?:the |all )?\d[\d,]* " + PERSON_NOUN, re.I)
N_EQUALS = re.compile(r"\b[nN]\s*=\s*(\d{1,3}(?:,\d{3})+|\d+)")
HUMAN = _rx(PERSON_NOUN, "humans?", "healthy controls", "year-old", "cohort", "population")
DURATION = re.compile(
    r"(\d+(?:\.\d+)?|[a-z]+(?:-[a-z]+)?)[- ](days?|weeks?|months?|years?)\b", re.IGNORECASE
)
MONTHS_PER = {"day": 1 / 30.4, "week": 12 / 52, "month": 1.0, "year": 12.0}

# Design cues in the order they are tried: the first that matches decides.
DESIGN_CUES: list[tuple[Design, re.Pattern[str]]] = [
    (Design.meta_analysis, _rx("meta-?analys[ie]s", "meta-?analytic", "pooled analysis of")),
    (
        Design.systematic_review,
        _rx(
            "systematic(ally)? review(ed)?",
            "Cochrane",
            "scoping review",
            r"(\d+|[a-z]+) (randomi[sz]ed )?(controlled )?(trials|studies|RCTs) "
            r"(were included|were identified|met (the|our) inclusion|involving|with a total)",
            "we included \\d+ (trials|studies|RCTs)",
            "included (trials|studies)",
        ),
    ),
    (
        Design.rct,
        _rx(
            "randomi[sz]ed[,]? (double-blind(ed)?[,]? )?"
            "(placebo-controlled |controlled |clinical )*(trial|study)",
            "randomly (assigned|allocated)",
            "were randomi[sz]ed",
            "randomi[sz]ed to",
            "RCT",
            "placebo-controlled",
            "double-blind(ed)?",
        ),
    ),
]
LATE_CUES: list[tuple[Design, re.Pattern[str]]] = [
    (
        Design.case_report,
        _rx(
            "case reports?",
            "case series",
            "we (report|describe|present) (a|an|the case|two|three|"
            "four|five|\\d+) (case|patient|man|woman|boy|girl|child|infant)s?",
            "\\d+-year-old",
        ),
    ),
    (
        Design.case_control,
        _rx(
            "case-control",
            "case control",
            "cases and (\\d+ )?(matched )?controls",
            "matched controls",
        ),
    ),
    (
        Design.nonrandomized_trial,
        _rx(
            "single-arm",
            "open-label",
            "pilot (study|trial)",
            "feasibility (study|trial)",
            "phase (I|1|II|2|I/II|1/2)[ab]? (study|trial)",
            "non-randomi[sz]ed",
            "uncontrolled",
            "pre-?post",
            "before and after",
            "quasi-experimental",
            "clinical trial",
        ),
    ),
    (
        Design.cohort,
        _rx(
            "cohort",
            "prospective(ly)?",
            "retrospective(ly)?",
            "longitudinal(ly)?",
            "followed (up )?for",
            "follow-up of",
            "over a (median|mean) of",
        ),
    ),
    (
        Design.cross_sectional,
        _rx(
            "cross-sectional",
            "surveys?",
            "questionnaires?",
            "registry",
            "registries",
            "database",
            "prevalence",
            "diagnostic accuracy",
            "sensitivity and specificity",
            "national data",
            "claims data",
            "electronic health records?",
            "interviews?",
        ),
    ),
    (
        Design.narrative_review,
        _rx(
            "review",
            "we review",
            "overview",
            "we discuss",
            "this article discusses",
            "perspective",
            "recent advances",
            "literature",
            "commentary",
            "guidelines?",
            "consensus",
        ),
    ),
]
PUBTYPE_DESIGN: list[tuple[str, Design]] = [
    ("meta-analysis", Design.meta_analysis),
    ("systematic review", Design.systematic_review),
    ("randomized controlled trial", Design.rct),
    ("case reports", Design.case_report),
    ("review", Design.narrative_review),
    ("clinical trial", Design.nonrandomized_trial),
]
INTERVENTION = _rx(
    "trial",
    "intervention",
    "treated with",
    "received",
    "randomi[sz]ed",
    "program(me)?",
    "therapy",
    "supplementation",
    "training",
)
COMPARISON = _rx(
    "placebo",
    "control group",
    "compared (with|to)",
    "versus",
    "vs\\.?",
    "sham",
    "usual care",
    "randomi[sz]ed",
    "controls",
)
NO_COMPARISON = _rx(
    "single-arm",
    "single arm",
    "uncontrolled",
    "no control group",
    "without a control group",
    "open-label, single",
)
FUTURE_WORK = _rx(
    "needed",
    "warranted",
    "future",
    "further (studies|trials|research)",
    "should be (tested|confirmed|studied)",
    "are required",
)
PRELIMINARY = _rx(
    "pilot",
    "feasibility",
    "single-arm",
    "preliminary",
    "preprint",
    "conference abstract",
    "proof-of-concept",
    "first-in-human",
    "exploratory study",
)


@cache
def _condition_patterns() -> list[tuple[str, tuple[str, ...], re.Pattern[str]]]:
    raw = tomllib.loads((PROJECT_ROOT / "prompts" / "conditions.toml").read_text("utf-8"))
    return [
        (spec["name"], tuple(spec.get("audience_for", [])), _rx(*spec["patterns"]))
        for spec in raw["conditions"].values()
    ]


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    return next((s for s in texts if pattern.search(s)), None)


def _count_people(sents: list[str]) -> tuple[int | None, str | None]:
    """Total people studied, and the sentence that says so."""
    best: tuple[int, str] | None = None
    for sent in sents:
        plain = re.sub(r"\([^()]*\)", "", sent)  # "(52 men; mean age 61)" is a breakdown
        counts = [
            count
            for match in PEOPLE_COUNT.finditer(plain)
            if not NOT_ENROLLED.match(plain[match.end() :])
            and (count := parse_count(match.group(1)))
        ]
        counts += [c for m in ENROLLED.finditer(plain) if (c := parse_count(m.group(1)))]
        counts += [int(m.group(1).replace(",", "")) for m in N_EQUALS.finditer(plain)]
        if not counts:
            continue
        # "85 people with ALS and 40 controls" is 125 people; "of 500 patients, 50 ..." is 500.
        joined = " and " in plain and not SUBSET.search(plain)
        total = sum(counts) if joined else max(counts)
        if best is None or total > best[0]:
            best = (total, sent)
    return best if best else (None, None)


def _followup(sents: list[str]) -> tuple[float | None, str | None, str | None]:
    best: tuple[float, str, str] | None = None
    for sent in sents:
        for match in DURATION.finditer(sent):
            context = sent[max(0, match.start() - 12) : match.end() + 8].lower()
            if "aged" in context or " old" in context or "age " in context:
                continue
            amount = parse_count(match.group(1)) if not match.group(1)[0].isdigit() else None
            value = float(match.group(1)) if match.group(1)[0].isdigit() else amount
            if not value:
                continue
            unit = match.group(2).lower().rstrip("s")
            months = value * MONTHS_PER[unit]
            if best is None or months > best[0]:
                phrase = (
                    f"{match.group(1)} {unit}{'' if value == 1 else 's'}"  # "12-week": 12 weeks
                )
                best = (months, phrase, sent)
    return best if best else (None, None, None)


POOLED = re.compile(
    r"\b(RR|OR|MD|SMD|HR|WMD|risk ratio|odds ratio|mean difference|pooled)\b"
    r".{0,80}\b95%\s*CI|\bpooled\b",
    re.I,
)
NO_POOLING = _rx(
    "not (suitable|appropriate|possible) (for|to perform|to conduct) (a )?meta-?analys[ie]s",
    "meta-?analys[ie]s (was|were) not (possible|appropriate|performed|undertaken)",
    "could not (pool|be pooled|combine)",
    "did not pool",
    "no meta-?analys[ie]s",
)
REVIEW_INCLUSION = _rx(
    "included in (the|this|our) review",
    "met (our|the) inclusion criteria",
    "eligible for inclusion",
    "we reviewed \\d+ (studies|trials)",
    "(studies|trials) (were|was) included",
    "we included (only )?(one|\\d+|[a-z]+)",
)
INTERVENTION_CUES = _rx(
    "were (treated|given)",
    "received (a|an|oral|intravenous|daily)",
    "(before|after) (treatment|therapy|administration)",
    "administration of",
    "effects? of (a|an)? ?\\d+-(day|week|month)",
)


def _review_kind(sents: list[str], hit: str) -> tuple[Design, str]:
    """Cochrane-style abstracts rarely say "meta-analysis": pooled estimates reveal one."""
    no_pool = _first(NO_POOLING, sents)
    if no_pool:
        return Design.systematic_review, no_pool
    pooled = _first(POOLED, sents)
    return (Design.meta_analysis, pooled) if pooled else (Design.systematic_review, hit)


def _design(study: Study, sents: list[str], species: str) -> tuple[Design, str]:
    pubtypes = [p.lower() for p in study.publication_types]
    for key, design in PUBTYPE_DESIGN:
        if key in pubtypes:
            cue = dict(DESIGN_CUES + LATE_CUES).get(design)
            return design, (_first(cue, sents) if cue else None) or f"Publication type: {key}"
    # "A randomised trial is now needed" describes future work, not this study's design.
    text_units = [s for s in [study.title, *sents] if not FUTURE_WORK.search(s)]
    reviews, (rct,) = DESIGN_CUES[:2], DESIGN_CUES[2:]
    for design, cue in reviews:
        hit = _first(cue, text_units)
        if hit and not (design == Design.meta_analysis and NO_POOLING.search(hit)):
            return _review_kind(sents, hit) if design == Design.systematic_review else (design, hit)
    inclusion = _first(REVIEW_INCLUSION, text_units)
    if inclusion and species != "animals":
        return _review_kind(sents, inclusion)
    if species == "animals":
        return Design.animal, _first(ANIMAL_MODEL, text_units) or ""
    if species == "cells":
        return Design.in_vitro, _first(CELLS, text_units) or ""
    single_arm = _first(NO_COMPARISON, text_units)
    if single_arm:
        return Design.nonrandomized_trial, single_arm
    hit = _first(rct[1], text_units)
    if hit:
        return Design.rct, hit
    for design, cue in LATE_CUES:
        hit = _first(cue, text_units)
        if hit:
            return design, hit
    treated = _first(INTERVENTION_CUES, text_units)
    if treated and species == "people":
        return Design.nonrandomized_trial, treated
    return Design.other, ""


def _species(title: str, sents: list[str], people: int | None) -> tuple[str, list[str], str]:
    units = [title, *sents]
    animals = [name for name, rx in ANIMALS.items() if any(rx.search(s) for s in units)]
    animal_hits = sum(1 for s in units if any(rx.search(s) for rx in ANIMALS.values()))
    cell_hits = sum(1 for s in units if CELLS.search(s))
    human_hits = sum(1 for s in units if HUMAN.search(s))
    strong_human = sum(1 for s in units if HUMAN_STRONG.search(s))
    if animals and animal_hits >= 2 and (not people or people < 20 or animal_hits >= strong_human):
        return "animals", animals, _first(ANIMALS[animals[0]], units) or ""
    if (cell_hits >= 2 and cell_hits >= human_hits) or (cell_hits and not human_hits):
        return "cells", [], _first(CELLS, units) or ""
    if people and people > 1:
        return "people", [], _first(HUMAN, units) or ""
    if animals and animal_hits >= strong_human:
        return "animals", animals, _first(ANIMALS[animals[0]], units) or ""
    if human_hits:
        return "people", [], _first(HUMAN, units) or ""
    if animals:
        return "animals", animals, _first(ANIMALS[animals[0]], units) or ""
    return "unknown", [], ""


def profile_study(study: Study, settings: Settings, house: House | None = None) -> StudyProfile:
    house = house or load_house(settings)
    sents = sentences(study.abstract)
    evidence: dict[str, str] = {}
    people, people_sentence = _count_people(sents)
    species, animals, species_sentence = _species(study.title, sents, people)
    design, design_sentence = _design(study, sents, species)
    if design == Design.case_report and not people:
        people = 1
    if species == "unknown" and design in (
        Design.meta_analysis,
        Design.systematic_review,
        Design.narrative_review,
        Design.case_report,
    ):
        species = "people"
    if species != "people":
        people = None
    conditions, audience_hit = [], None
    # What a study is about is in its title, keywords, opening and who it enrolled; a side
    # effect named in the results ("two seizures") is not a condition studied.
    scope = [study.title, *study.keywords, *study.mesh_terms, *sents[:2]]
    scope += [s for s in (people_sentence, species_sentence) if s]
    for name, audience_for, rx in _condition_patterns():
        hit = _first(rx, scope)
        if hit:
            conditions.append(name)
            if settings.audience_condition in audience_for:
                audience_hit = hit
    intervention = design in (Design.rct, Design.nonrandomized_trial) or (
        design == Design.other and bool(_first(INTERVENTION, sents))
    )
    months, followup_phrase, followup_sentence = _followup(sents) if intervention else (None,) * 3
    no_comparison = _first(NO_COMPARISON, sents)
    comparison = _first(COMPARISON, sents)
    has_comparison = False if no_comparison else (True if comparison else None)
    preliminary_hit = _first(PRELIMINARY, [study.title, *sents])
    preliminary = bool(preliminary_hit) or (
        design == Design.nonrandomized_trial and has_comparison is False
    )
    observational = design in (Design.cohort, Design.case_control, Design.cross_sectional)

    for field, sentence in (
        ("design", design_sentence),
        ("species", species_sentence),
        ("participants", people_sentence),
        ("conditions", audience_hit),
        ("followup", followup_sentence),
        ("comparison", no_comparison or comparison),
        ("preliminary", preliminary_hit),
    ):
        if sentence:
            evidence[field] = sentence
    if followup_phrase:
        evidence["followup_phrase"] = followup_phrase

    caveats = []
    if species == "animals":
        caveats.append("animal_model")
    if species == "cells":
        caveats.append("cell_study")
    if not audience_hit and (conditions or species == "people"):
        caveats.append("other_condition")
    if observational:
        caveats.append("association_not_causation")
    if people is not None and people < settings.small_sample:
        caveats.append("small_sample")
    if intervention and months is not None and months < settings.short_followup_months:
        caveats.append("short_followup")
    if preliminary:
        caveats.append("preliminary")
    caveats.append("consult_clinician")

    return StudyProfile(
        design=design,
        species=species,
        animals=animals,  # type: ignore[arg-type]
        conditions=conditions,
        audience_condition=settings.audience_condition,
        studies_audience_condition=bool(audience_hit),
        participants=people,
        followup_months=round(months, 2) if months is not None else None,
        is_intervention=intervention,
        has_comparison=has_comparison,
        preliminary=preliminary,
        observational=observational,
        required_caveats=caveats,
        credibility=credibility(design, caveats, people, house),
        evidence=evidence,
    )


DESIGN_NAMES = {
    Design.meta_analysis: "Meta-analysis",
    Design.systematic_review: "Systematic review",
    Design.rct: "Randomised controlled trial",
    Design.nonrandomized_trial: "Non-randomised trial",
    Design.cohort: "Cohort study",
    Design.case_control: "Case-control study",
    Design.cross_sectional: "Cross-sectional study",
    Design.case_report: "Case report or series",
    Design.narrative_review: "Narrative review",
    Design.animal: "Animal study",
    Design.in_vitro: "Lab study in cells",
    Design.other: "Study of unclear design",
}


def credibility(design: Design, caveats: list[str], people: int | None, house: House) -> Rating:
    base = house.credibility[design.value]
    reason = f"{DESIGN_NAMES[design]} (base {base})"
    penalties = []
    if "small_sample" in caveats:
        penalties.append(f"small study ({people} people)")
    if "preliminary" in caveats:
        penalties.append("early or pilot results")
    score = max(1, base - (1 if penalties else 0))
    if penalties and score < base:
        reason += "; one point less for " + " and ".join(penalties)
    return Rating(score=score, reason=reason + ".")
