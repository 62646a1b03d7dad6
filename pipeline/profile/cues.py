"""The wording the study profiler reads an abstract with: regexes for species, designs, section
labels and people counts. Tables only; the decisions are made in `pipeline.profile.profile`.

Every pattern is general wording of abstracts, never a phrase taken from one abstract. Each
string passed to `rx` may hold several "|"-separated alternatives.
"""

from __future__ import annotations

import re

from pipeline.records import Design


def rx(*alternatives: str) -> re.Pattern[str]:
    """Whole-word, case-insensitive alternatives."""
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + r")(?![\w-])", re.IGNORECASE)


# ---- people -----------------------------------------------------------------------------------
PERSON_NOUN = (
    r"(?:patients|participants|people|persons|subjects|individuals|adults|children|women|men|"
    r"volunteers|cases|controls|infants|adolescents|respondents|veterans|students|mothers|"
    r"newborns|neonates|residents|workers|users|survivors|smokers|athletes|girls|boys|twins|"
    r"employees|nurses|physicians|doctors|clinicians|caregivers|families|households|pregnancies|"
    r"outpatients|inpatients|recipients|surgical candidates|pregnant women|elderly)"
)
# ---- structured abstracts and context ---------------------------------------------------------
_LABELS = (
    r"(?:authors'? )?(?:background|introduction|context|rationale|importance|purpose"
    r"(?: of (?:the )?review)?|objectives?(?:\(s\))?|aims?(?: and objectives)?|goals?|hypothesis|"
    r"methods?|materials? and methods?|patients and methods?|subjects and methods?|study design|"
    r"design|setting|participants|interventions?|measurements|main outcome measures?|"
    r"search (?:methods|strategy)|selection criteria|eligibility criteria|data (?:collection and "
    r"analysis|sources|extraction|synthesis)|main results|results?|findings|recent findings|"
    r"conclusions?|interpretation|discussion|significance|limitations|future work|"
    r"(?:clinical )?trial registration|registration|funding|summary)"
)
SECTION_LABEL = re.compile(
    r"^\W*(?P<a>" + _LABELS + r")\s*:\s*|^\W*(?P<b>" + _LABELS + r")\s+(?=(?-i:[A-Z]))"
    r"|^\W*(?P<c>(?-i:[A-Z])[\w' ]{2,40}):\s",  # any other label ends the background
    re.IGNORECASE,
)
BACKGROUND_LABELS = rx("background|introduction|context|rationale|importance")
SKIPPED_LABELS = rx("limitations|future work|(clinical )?trial registration|registration|funding")
FUTURE_WORK = rx(
    "needed|warranted|future|further (studies|trials|research)|are required|is required",
    "should be (tested|confirmed|studied)|to inform the design",
)
# Other people's studies: "as part of a placebo-controlled study", "recent meta-analyses report".
OTHERS_WORK = rx(
    "(several|recent|previous|prior|earlier|many|some|other|existing|published) (\\w+ ){0,2}"
    "(meta-?analys[ie]s|systematic reviews?|reviews?|studies|trials|RCTs)",
    "according to (\\w+ ){0,2}(meta-?analys[ie]s|studies|trials)",
    "as part of (a|an|the) ([\\w-]+[ ,]+){0,4}(trial|study)",
    "(participants|individuals|patients|people) (from|in|enrolled in) (a|an|the) "
    "([\\w-]+[ ,]+){0,4}(trial|study)",
    # Designs as the subject of a finding are other people's: "Prospective cohort studies show".
    "([\\w-]+ ){1,3}(studies|trials|RCTs) (have |has )?(shown?|suggest(ed)?|found|indicated?"
    "|reported|demonstrated)",
    # "Meta-analysis of studies demonstrates ...": in an unstructured review, someone else's.
    "(?<!this )(?<!our )(?<!present )(a |one |another |the |recent |large )?"
    "meta-?analys[ie]s (of ([\\w-]+ ){1,4})?"
    "(has |have )?(shown?|suggests?|found|indicates?|reported|demonstrates?|concluded)",
)
# First-person research: an abstract without any of it reports no study of its own.
OWN_RESEARCH = rx(
    "we|our|(this|the present|the current) (study|work|experiment|investigation|trial)",
    "the (aim|goal|purpose|objective) of (this|the|our) (study|work)|study objectives?",
    "(were|was) (performed|studied|analy[sz]ed|measured|recruited|enrolled|examined|reported)",
    "(objectives?|aims?|purpose)( of (this|the) study)?( (was|is))?:? to (determine|assess|evaluate"
    "|compare|investigate|examine|measure|test|estimate|analy[sz]e|identify)",
)

# ---- primary designs --------------------------------------------------------------------------
SINGLE_ARM = rx(
    "single-arm|single arm|uncontrolled|no control group|without a control group",
    "open-label, single|single-group|single group|one-group",
)
# A case series named outright: patients described, even when all were treated the same way.
CASE_SERIES = rx("case series|case reports?")
RCT = rx(
    "randomi[sz]ed[,]? (double-blind(ed)?[,]? |single-blind(ed)?[,]? )?(placebo-controlled "
    "|controlled |clinical |crossover |multicentre |multicenter )*(trial|study)",
    "randomly (assigned|allocated|divided|distributed|split)|(divided|allocated|assigned) "
    "(\\w+ ){0,2}(randomly|at random)|were randomi[sz]ed|randomi[sz]ed (to|\\()|RCT",
    "placebo-controlled|double-blind(ed)?",
)
# Designs named outright, then softer hints; in each list the first design that matches decides.
NAMED: list[tuple[Design, re.Pattern[str]]] = [
    (
        Design.case_report,
        rx(
            "case reports?|case series|a case of|index case",
            "(report|describe|present)(ed|s)? (\\w+ ){0,2}(two|three|four|five|[2-9]) "
            "(\\w+ ){0,2}cases",
            "(two|three|four|five|[2-9]) (additional|new|further|(previously )?unpublished) cases",
        ),
    ),
    # "386 cancer cases and 896 matched controls from five cohorts": a case-control study,
    # nested in cohorts, whatever else it is called.
    (
        Design.case_control,
        rx(
            "case-control|case control",
            "\\d[\\d,]* ([\\w-]+ ){0,3}cases and \\d[\\d,]* ([\\w-]+ ){0,2}controls",
        ),
    ),
    (
        Design.nonrandomized_trial,
        rx(
            "open-label|pilot (study|trial)|feasibility (study|trial)|non-randomi[sz]ed",
            # Drug studies in volunteers: phase I work, named by what it measures.
            "cross-?over (study|studies|trial|design)|pharmacokinetic (study|studies|trial)",
            "(bioequivalence|bioavailability) (study|studies|trial)",
            "(single|multiple)[- ]dose (study|studies)",
            "phase (I|1|II|2|I/II|1/2)[ab]? (study|trial)|quasi-experimental|pre-?post",
            "before and after",
            # Before/after studies: one group measured, treated, measured again.
            "(at )?baseline and (after|at the end of) ([\\w-]+ ){0,6}(program(me)?|intervention|"
            "treatment|training|course|therapy|sessions)",
            "pre- and post-?(intervention|treatment|training|test)",
        ),
    ),
    (
        Design.other,
        rx(
            "qualitative|mixed-methods?|ethnograph(y|ic)|thematic(ally)? analy[sz](is|ed|es|e)",
            "grounded theory|interpretative phenomenological|focus groups?",
            "(transmission|mathematical|computational|epidemic|theoretical|agent-based|"
            "compartmental|population|network) models?",
            "modell?ing (study|framework)|we (propose|present|develop) a (\\w+ ){0,3}model",
            "our (\\w+ )?model|(computer|numerical|stochastic) simulations?|simulated \\w+",
        ),
    ),
    (
        Design.cross_sectional,
        rx(
            "cross-sectional|diagnostic (accuracy|precision|performance)|GWAS",
            "sensitivity and specificity|genome-wide association",
            # Genetic variants as instruments on summary data: an association study.
            "Mendelian randomi[sz]ation",
        ),
    ),
    (
        Design.cohort,
        rx(
            "cohort|longitudinal(ly)?|prospective(ly)?|register-based|registry-based",
            # "In this retrospective study": a look back at what happened to a group.
            "(this|a|our) retrospective (study|comparison|analysis)",
        ),
    ),
    (
        Design.narrative_review,
        rx(
            "purpose of (this |the )?review|(literature|narrative|clinical|mini-?) review$",
            "narrative review|(this|our|the present|in this) review|we review",
            # The passive: "mechanisms, which are herein reviewed", "is reviewed here".
            "herein reviewed|(are|is) (here(in)? )?reviewed( here(in)?)?(?! by)",
            "review(s|ed)? (the|recent|current) (literature|evidence|data)",
            "summari[sz]e (the |recent |current )?(evidence|literature|data|knowledge)",
            "(this|the) (short )?(note|article|paper) "
            "(review(s|ed)?|discuss(es|ed)?|summari[sz]es)",
        ),
    ),
]
_NAMED_TRIAL = "(a|an|this|our|the) ([\\w-]+ ){0,3}trial (of|in|to|comparing)"
_CONTROL_ARM = "waiting[- ]list|wait-?list (control|group)|(sham|placebo)[- ](controlled|group|arm)"
HINTED: list[tuple[Design, re.Pattern[str]]] = [
    (
        Design.case_report,
        rx(
            "we (report|describe|present) (a|an|the case|two|three|four|five|\\d+) "
            "(case|patient|man|woman|boy|girl|child|infant)s?",
            "\\d+-(year|month|week|day)-old",
        ),
    ),
    (
        Design.case_control,
        rx(
            "cases and (\\d+ )?(matched )?controls|matched controls",
            "(patients|cases) (versus|vs\\.?|compared (with|to)) controls",
        ),
    ),
    # A trial named without "randomised": "a twelve-week trial of balance training or a
    # waiting list", a sham- or placebo-controlled arm.
    (Design.nonrandomized_trial, rx(f"clinical trial|{_NAMED_TRIAL}|{_CONTROL_ARM}")),
    (
        Design.cohort,
        rx(
            "followed (up )?(for|over|until|with)|were followed|follow-up of",
            "followed (\\d[\\d,]* )?([\\w-]+ ){0,6}(for|over|until) (\\w+ )?(years?|months?)",
            "monitored (from|for|over|during|until|throughout)",
            "over a (median|mean) of",
            "(short|long)-term outcomes?|incidence of|recurrence|retrospective(ly)?",
            "time to (\\w+ ){0,2}(event|rebound|relapse|progression|death|recurrence|onset)",
            "(at|during the first|after) (one|two|three|five|\\d+) years?",
        ),
    ),
    (
        Design.cross_sectional,
        rx(
            "surveys?|questionnaires?|registry|registries|database|prevalence|national data",
            "claims data|electronic health records?|interviews?|samples from \\d+",
            "(mortality|death|census|surveillance|population|administrative|routine) data",
        ),
    ),
    (
        Design.narrative_review,
        rx(
            "review(s|ed)?|overview|we discuss|this article discusses|perspective|recent advances",
            "literature|commentary|guidelines?|consensus",
        ),
    ),
]
# A retrospective look at records with no follow-up is a snapshot, not a cohort.
RECORDS_REVIEW = rx(
    "retrospectively (analy[sz]ed|reviewed)|retrospective (analysis|review|chart review)",
    "medical records|chart review",
)
# What became of patients: a records review that reports who died, survived or came back
# ("died in hospital", "readmitted") followed them, if only to discharge.
OUTCOMES = rx("died|deaths?|mortality|survived|survival|readmi(tted|ssions?)")
FOLLOW_UP = rx("follow(ed|-up|ing up)|recurrence|incidence|survival|\\d+-year|relapse")
# The study itself gave a treatment: "was applied", "dose was raised", "after a single dose".
INTERVENTION_CUES = rx(
    "were given|(received|receiving) (a|an|oral|intravenous|daily|\\d+)|treated openly",
    "open (treatment|trial)|administration of|(was|were) applied",
    "(before|after) (\\w+ ){0,2}(treatment|therapy|administration|application|supplementation)",
    "after (a single|repeated) (application|dose|administration)",
    "effects? of (a|an)? ?(\\d+|[a-z]+)[- ](day|week|month)",
    "dose (was |were )?(raised|increased|escalated)",
)
# The study itself gave it ("were given", "dose was raised"), not just "before treatment".
GIVEN = rx(
    "were given|(received|receiving) (a|an|oral|intravenous|daily|\\d+)|treated openly",
    "open (treatment|trial)|administration of|(was|were) (applied|administered)",
    "dose (was |were )?(raised|increased|escalated)|after (a single|repeated)",
)
# Patients sampled while on their usual treatment: observed over time, not a trial.
OBSERVED_TREATMENT = rx(
    "undergoing|(samples?|specimens?) (from|of|were)|serial(ly)?|tracking|time-points?",
    "monitored",
)
# A small group of patients described, though the abstract may call it a "cohort".
DESCRIBED = rx(
    "(aim|purpose|objective) of (this|the) (study|work|report) (is|was) to describe",
    "we (describe|report|present)|to (describe|report) (the )?(clinical|\\w+)",
)
# People in the lab: tasks, stimuli, recordings. The house has no design for these.
EXPERIMENT = rx(
    "stimul(i|us)|manipulat(e|ed|ing|ion)|perceptual|psychophysic\\w*|intracranial recordings?",
    "(EEG|MEG) (data|recordings?)|decod(e|ed|ing)|empirical studies|behaviou?ral experiments?",
    "experimental (paradigm|manipulation|task)",
)
# People measured once and an association or a test's accuracy reported: a snapshot.
ASSOCIATION = rx(
    "associations? (between|of)|(was|were|is|are) (positively |negatively |inversely )?"
    "associated with|area under the (ROC |receiver[- ]operating[- ]characteristic )?curve|AUC",
)
# People given a drug or procedure by the study, in plainer words than a trial's.
DOSED = rx(
    "administ(ered|ration)|infusions?|injections?|\\d+ ?(mg|milligrams|µg|mcg|g/kg|mg/kg)",
    "(single|oral|intravenous|daily) doses?",
)
# "The test was administered" gives no drug: tests, questionnaires and scales are measures.
_MEASURES = "(tests?|questionnaires?|surveys?|scales?|battery|batteries|assessments?|tasks?)"
MEASURE_GIVEN = rx(
    _MEASURES + " (was|were|is|are) (self-)?administered",
    "administ(ered|ration of) (the |a |an )?([\\w-]+ ){0,3}" + _MEASURES,
)
# Models built on data about people: frameworks, parameters, concepts.
MODEL_HINT = rx(
    "(quantitative|mathematical|analytical|theoretical|conceptual) framework",
    "parameters|we introduce the concept",
)
REVIEW_DESIGNS = frozenset(
    {Design.narrative_review, Design.systematic_review, Design.meta_analysis}
)
# Theory about cells or bacteria, not an experiment on them.
THEORY = rx(
    "mathematical(ly)?|theoretical(ly)?",
    "(computational|physical|stochastic) (model|framework|theory)",
    "(computer|numerical|stochastic) simulations?|we (argue|derive)",
)
# A method, algorithm or piece of software built and shown to work, on data, a phantom or
# sequences rather than on anyone studied: the house has no design for it.
METHOD = rx(
    "(we|here,? we|this (paper|work|article)) (present|propose|introduce|develop|designed and "
    "(generated|developed|built)|designed) (a |an |the )?(new |novel )?([\\w-]+ ){0,4}"
    "(frameworks?|algorithms?|pipelines?|tools?|software|packages?|platforms?)",
    "we compared (the (ability|performance) of )?([\\w-]+ ){0,6}algorithms",
    "(a |an |the )?([\\w-]+ ){0,3}(approach|method|technique|algorithm) is (proposed|presented)",
    "computational (approach|method|framework|tool|pipeline)s?|signal[- ]processing",
    "(imaging|image|analysis|software) pipelines?|phantoms?",
)
# Bench work on living cells: a method applied in them is still a lab study of cells.
WET_LAB = rx(
    "cultured|transfected|incubated|stained|knock-?down|si-?RNA|treated cells|cells were",
    "western blot(ting)?|immunoprecipitation|in vitro",
)
# A sentence that counts or names the people studied, to show for a guessed design.
PERSON_COUNT_HINT = rx("\\d+ (\\w+ ){0,3}" + PERSON_NOUN, PERSON_NOUN)
CONTROL_GROUP = rx("control (group|subjects)|healthy (controls|volunteers|subjects)")
HUMAN_DESIGNS = frozenset(set(Design) - {Design.animal, Design.in_vitro, Design.other})

# ---- intervention, comparison, preliminary ----------------------------------------------------
INTERVENTION = rx(
    "trial|intervention|treated with|received|randomi[sz]ed|program(me)?|therapy",
    "supplementation|training",
)
COMPARISON = rx(
    "placebo|control group|compared (with|to)|versus|vs\\.?|sham|usual care|randomi[sz]ed|controls"
)
PRELIMINARY = rx(
    "pilot|feasibility|single-arm|preliminary|preprint|conference abstract|proof-of-concept",
    "first-in-human|exploratory study",
)
