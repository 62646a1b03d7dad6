"""Who or what a study studied: people, animals, cells (or molecules), or unknown.

Counts sentences that name each kind, after setting aside what is not this study's own work:
the background before "Here we ..." in an unstructured abstract, other people's findings
("previously observed in humans"), and humans or animals named only as the source of cells
("human iPSCs", "NOD mouse splenocytes", "lymphocytes from NOD mice").
"""

from __future__ import annotations

import re
from typing import NamedTuple

from pipeline.profile.cues import OWN_RESEARCH, PERSON_NOUN, rx
from pipeline.records import Confidence

ANIMALS: dict[str, re.Pattern[str]] = {
    "mice": rx("mice|mouse|murine|C57BL/6\\w*|knock-?out mice|transgenic mice"),
    "rats": rx("rats?|Sprague[- ]Dawley|Wistar"),
    "zebrafish": rx("zebrafish|zebra fish"),
    "fruit flies": rx("drosophila|fruit fl(y|ies)"),
    "worms": rx("C\\. elegans|Caenorhabditis|nematodes?"),
    "monkeys": rx("monkeys?|macaques?|non-?human primates?|NHPs?|marmosets?"),
    "pigs": rx("pigs?|piglets?|swine|porcine"),
    "dogs": rx("dogs?|canine"),
    "rabbits": rx("rabbits?"),
    "sheep": rx("sheep|ovine|lambs?"),
    "chickens": rx("chickens?|chicks?"),
    "frogs": rx("Xenopus|frogs?|tadpoles?"),
    "planarians": rx("planarians?|Schmidtea"),
    "mosquitoes": rx("mosquito(es)?|Aedes|Anopheles"),
    "cattle": rx("cattle|cows?|bovine|calves"),
    "crabs": rx("crabs?|crustaceans?"),
    "insects": rx(
        "ants|wasps|bees|honeybees?|butterfl(y|ies)|moths?|beetles?|spiders|(tree-?)?crickets?",
        "locusts?|grasshoppers?|cockroaches|aphids|flies|Drosophilidae|ticks",
    ),
    # The rest of the kept list: organisms that eLife and PLOS abstracts study by name only.
    # Fish named by kind: plain "fish" is as often food ("olive oil, fish, nuts") as animal.
    "fish": rx(
        "(electric|cave|reef|larval|adult|cichlid|teleost|wild-type|mutant) fish(es)?",
        "medaka|killifish|cichlids?|sticklebacks?|teleosts?|guppies|lampreys?",
    ),
    "birds": rx("birds?|songbirds?|zebra finch(es)?|finch(es)?|pigeons?|owls?|quails?"),
    "bats": rx("bats"),
    "small mammals": rx("hamsters?|gerbils?|voles?|guinea pigs?|ferrets?|shrews?|opossums?"),
    "cats": rx("cats|feline"),
    "horses": rx("horses?|equine|ponies"),
    "marine invertebrates": rx(
        "octopus(es)?|squids?|cephalopods?|cuttlefish|sea urchins?|jellyfish|Hydra|Nematostella",
        "annelids?|Platynereis|leeches|snails?|molluscs?|Aplysia|sponges|corals?",
    ),
    "amphibians and reptiles": rx("salamanders?|axolotls?|newts?|lizards?|snakes|turtles?"),
}
# One boundary around all the names, not one per name: the profiler runs this on every
# sentence of every study, and a lookbehind per alternative is several times slower.
_EDGE_OPEN, _EDGE_CLOSE = r"(?<![\w-])(?:", r")(?![\w-])"
ANY_ANIMAL = re.compile(
    _EDGE_OPEN
    + "|".join(p.pattern[len(_EDGE_OPEN) : -len(_EDGE_CLOSE)] for p in ANIMALS.values())
    + _EDGE_CLOSE,
    re.IGNORECASE,
)
# Neuroscience and behaviour abstracts that never name the species: "the animal's position".
UNNAMED_ANIMAL = rx("the animals?'?s?|an animal's|animals'|each animal|individual animals")
_CELL_NOUN = (
    r"(?:cells?|cell lines?|fibroblasts|macrophages|neurons|hepatocytes|splenocytes|myoblasts|"
    r"oocytes?|organoids|lysates?|lymphocytes|monocytes|iPSCs?|PBMCs|tissues?|proteins?|"
    r"genomes?|extracts?|sera|serum|samples|explants?|slices)"
)
# "mouse embryonic fibroblasts", "rat hepatocytes", "lymphocytes from NOD mice": an animal named
# as the source of cells.
ANIMAL_CELL_SOURCE = re.compile(
    r"(?:" + ANY_ANIMAL.pattern + r")\s+(?:[\w-]+\s+){0,2}?" + _CELL_NOUN + r"\b"
    r"|\b" + _CELL_NOUN + r" (?:isolated |derived |obtained )?from (?:[\w-]+\s+){0,2}?"
    r"(?:" + ANY_ANIMAL.pattern + r")",
    re.IGNORECASE,
)
# "human induced pluripotent stem cells", "PBMCs from patients": people as the source of cells.
_LAB_CELLS = r"(?:cells?|cell lines?|fibroblasts|macrophages|neurons|hepatocytes|iPSCs?|PBMCs)"
HUMAN_CELL_SOURCE = re.compile(
    r"\bhuman\s+(?:[\w-]+\s+){0,3}?" + _LAB_CELLS + r"\b"
    r"|\b" + _LAB_CELLS + r" (?:isolated |derived |obtained )?from (?:[\w-]+\s+){0,2}?"
    r"(?:patients|donors|humans|volunteers|individuals)",
    re.IGNORECASE,
)
# Words that put a named animal in a living-animal experiment.
LIVE_ANIMAL = rx(
    "in vivo|knock-?(out|in)|mutants?|transgenic|\\w+-deficient|models?|xenografts?|living",
    "infect(ed|ion)|inoculat(ed|ion)|inject(ed|ions?)|immuni[sz](ed|ation)|administ(ered|ration)",
    "fed|diets?|embryos?|larva[el]?|pups?|litters?|strains?|behaviou?rs?|animals",
)
# Live-animal genetics that may leave the organism unnamed ("transgenic reporters").
GENETIC_LIVE = rx(
    "transgenic|transgenes?|knock-?(out|in) (mice|animals|larvae|embryos|lines?)",
    "mutant ([\\w-]+ )?(alleles?|embryos|larvae|animals|lines)|conditional (deletion|knock-?out)",
)
# A culture dish: what rules out a live animal when none is named.
CULTURED = rx(
    "cultured|cultures?|cell lines?|in vitro|organoids?|transfected|yeast|bacteri(a|um|al)",
    "cells were|HeLa|HEK293\\w*",
)
STRONG_LIVE = rx("knock-?(out|in)|transgenic|in vivo|xenografts?|\\w+-/-")
ANIMAL_MODEL = rx("animal models?|in vivo|rodents?|animals were")
CELLS = rx(
    "in vitro|cell lines?|cultured|cultures?|cell culture|organoids?|iPSCs?|induced pluripotent",
    "stem cell-derived|HeLa|HEK293\\w*|K562|oocytes?|yeast|Saccharomyces|E\\. coli",
    "Escherichia coli|bacteri(a|um|al)|crystal structures?|cryo-?EM|recombinant|purified",
    "in silico|biochemical|molecular dynamics|fibroblasts?|myoblasts?|macrophages|cell-free",
    "single-molecule|molecular motors?|nanoparticles?|mutagenesis|cells were|CRISPR",
    "primary (human )?[a-z]+ cells|PBMCs",
    "(electron|fluorescence|confocal|super-?resolution|live-cell|cryo-?electron|time-lapse) "
    "microscopy",
    "(muscle|tumou?r|cancer|stem|ES|epithelial|endothelial) cells",
    # Lab organisms the house has no class for: plants, algae, fungi, viruses grown in cells.
    # The house's nearest class for them is a lab study ("cells").
    "plants|plant (species|cells?|tissues?|growth|biotechnology|development|genomes?|membranes)",
    "Arabidopsis|seedlings|chloroplasts?|thylakoids?|diatoms?|microalgae|phytoplankton",
    "cyanobacteria|fungal (strains?|cells|pathogens?)|host cells|whole cells|in (the )?cells",
    "electron tomography|spectroscop(y|ic)|electron (spin|paramagnetic) resonance|EPR",
)
# Molecular biology that names no cell at all: proteins, binding, splicing, structures.
MOLECULAR = rx(
    "proteins?|proteases?|enzymes?|kinases?|substrates?|dimers?|dimeri[sz]ation|residues?",
    "m?RNAs?|DNA|transcription(al)?|splicing|promoters?|chromatin|ligands?|peptides?",
    "conformations?|conformational|NMR|mass spectrometry|HDX-MS|antibod(y|ies)|mAbs?",
    "(binding|active) (sites?|interfaces?|affinit(y|ies)|domains?)|aggregation|folding",
)
HUMAN_STRONG = rx(
    "patients|participants|volunteers|year-old|women|men|children|adults|people with",
    "human subjects",
)
# "humans", not "human": "the human TIM22 complex" or "human Hsp70" is a molecule, not a person.
HUMAN = rx(
    PERSON_NOUN,
    "humans|human (subjects|participants|volunteers|beings|populations?|studies|data|adults)",
    "healthy controls|year-old|cohort|individual's",
)
# Where an unstructured abstract turns from background to its own work.
HERE_WE = rx(
    "here,? we|here,|in (this|the present|the current) (study|work|paper|report)",
    "we (hypothesi[sz]ed|asked|tested|sought|set out|aimed|investigated|examined)",
)
WE = rx("we|our")
PREVIOUSLY = rx(
    "(previously|been) (observed|reported|described|shown|found|seen) (in|from|by) "
    "([\\w-]+ ){0,3}[\\w-]+"
)
# A clinical overview names treatment or diagnosis: it is about people.
CLINICAL = rx(
    "treatments?|therap(y|ies)|diagnos(is|tic|ed)|clinical|clinicians?|symptoms?|patients",
    "disease|disorders?|management",
)


def study_part(sents: list[str]) -> list[str]:
    """The sentences from "Here we ..." on, when an abstract opens with background first."""
    at = next((i for i, s in enumerate(sents) if HERE_WE.search(s)), 0)
    if not 0 < at < len(sents) - 1 or any(WE.search(s) for s in sents[:at]):
        return sents
    return sents[at:]


def _first(pattern: re.Pattern[str], texts: list[str]) -> str | None:
    return next((s for s in texts if pattern.search(s)), None)


class SpeciesReading(NamedTuple):
    kind: str
    animals: list[str]
    sentence: str
    level: Confidence
    why: str
    alternative: str | None = None


def species_of(title: str, sents: list[str], people: int | None) -> tuple[str, list[str], str]:
    """The kind of subject studied, the animals named, and the sentence that shows it."""
    found = species_reading(title, sents, people)
    return found.kind, found.animals, found.sentence


def species_reading(title: str, sents: list[str], people: int | None) -> SpeciesReading:
    """The kind of subject studied, the animals named, the sentence, and how sure that is."""
    units = [title, *study_part(sents)]
    own = [PREVIOUSLY.sub(" ", u) for u in units]
    # "mouse embryonic fibroblasts" are cells; "xenografts in mice" are live animals.
    beasts = [ANIMAL_CELL_SOURCE.sub(" ", u) for u in own]
    humans = [HUMAN_CELL_SOURCE.sub(" ", u) for u in own]
    named = [u for u in beasts if ANY_ANIMAL.search(u)]
    animals = [name for name, rx in ANIMALS.items() if any(rx.search(u) for u in named)]
    animal_hits = sum(1 for u in beasts if ANY_ANIMAL.search(u) or UNNAMED_ANIMAL.search(u))
    live = any(ANY_ANIMAL.search(u) and LIVE_ANIMAL.search(u) for u in beasts) or bool(
        animals and _first(STRONG_LIVE, beasts)
    )
    # The organism never named: "the animal's position" twice, or transgenic or mutant animals
    # in a developmental or behavioural study that cultures nothing.
    unnamed = not animals and (
        sum(1 for u in beasts if UNNAMED_ANIMAL.search(u)) >= 2
        or bool(_first(GENETIC_LIVE, beasts) and not _first(CULTURED, own))
    )
    # Background names the cells a lab works on, but the patients only as its motive.
    whole = [title, *sents]
    cell_hits = sum(1 for s in whole if CELLS.search(s) or ANIMAL_CELL_SOURCE.search(s))
    human_hits = sum(1 for s in humans if HUMAN.search(s))
    strong_human = sum(1 for s in humans if HUMAN_STRONG.search(s))
    molecular = sum(1 for s in own if MOLECULAR.search(s))
    few_people = not people or people < 20
    animal_evidence = _first(ANIMALS[animals[0]], units) or "" if animals else ""
    # A large sample of people counted beside animals (a survey of dogs and their owners) is a
    # study of people unless the animals were kept in a live experiment.
    surveyed = people and people >= 100 and strong_human and not _first(ANIMAL_MODEL, own)
    outnumber = few_people or animal_hits >= strong_human
    if unnamed and outnumber and not surveyed:
        why = "animals studied, though the species is not named"
        hit = _first(UNNAMED_ANIMAL, units) or _first(GENETIC_LIVE, units) or ""
        return SpeciesReading("animals", [], hit, "medium", why, "cells")
    if animals and (animal_hits >= 2 or live) and outnumber and not surveyed:
        # People or cells named too: the animals outweigh them, but a reader may weigh it else.
        rival = "people" if strong_human else "cells" if cell_hits >= 2 else None
        level: Confidence = "high" if live and not rival else "medium"
        return SpeciesReading("animals", animals, animal_evidence, level, "animals studied", rival)
    # A tie between cells and people goes to the people when patients or participants are
    # named: their blood tested "in vitro" is still a study of them.
    ahead = cell_hits > human_hits or (cell_hits == human_hits and not strong_human)
    if (cell_hits >= 2 and ahead) or (cell_hits and not human_hits):
        rival = "people" if strong_human else "animals" if animals else None
        level = "high" if cell_hits >= 2 and not rival else "medium"
        why = "cells, tissue or molecules in the lab"
        return SpeciesReading("cells", [], _first(CELLS, units) or "", level, why, rival)
    if few_people and molecular >= 3 and molecular > 2 * human_hits and _first(OWN_RESEARCH, own):
        why = "molecular work that names no cells"
        return SpeciesReading("cells", [], _first(MOLECULAR, units) or "", "medium", why)
    if people and people > 1:
        rival = "animals" if animals else "cells" if cell_hits else None
        level = "medium" if rival else "high"
        why = f"{people} people counted"
        return SpeciesReading("people", [], _first(HUMAN, units) or "", level, why, rival)
    if animals and animal_hits >= strong_human:
        why = "animals named as often as people"
        return SpeciesReading("animals", animals, animal_evidence, "medium", why, "people")
    if human_hits:
        hit = next((u for u, h in zip(units, humans, strict=True) if HUMAN.search(h)), "")
        level = "high" if strong_human and not animals and not cell_hits else "medium"
        rival = "animals" if animals else "cells" if cell_hits else None
        return SpeciesReading("people", [], hit, level, "people named", rival)
    if animals:
        return SpeciesReading("animals", animals, animal_evidence, "low", "animals named once")
    return SpeciesReading("unknown", [], "", "low", "no people, animals or cells named")


# MeSH check tags, which NLM indexers add to every article: who or what was studied.
MESH_ANIMALS = {
    "mice": "mice",
    "rats": "rats",
    "zebrafish": "zebrafish",
    "dogs": "dogs",
    "swine": "pigs",
    "rabbits": "rabbits",
    "sheep": "sheep",
    "cattle": "cattle",
    "macaca mulatta": "monkeys",
    "drosophila melanogaster": "fruit flies",
    "caenorhabditis elegans": "worms",
    "chickens": "chickens",
}


def with_mesh(found: SpeciesReading, mesh_terms: list[str]) -> SpeciesReading:
    """The wording's reading, checked against the MeSH check tags when the article has them.

    "Humans" allows people or human cells; "Animals" allows animals or animal cells (the tag is
    added for work on cells taken from animals too); "In Vitro Techniques" allows cells. A
    reading the tags allow stands, more surely; one they rule out gives way to theirs.
    """
    tags = {m.lower() for m in mesh_terms}
    allowed = set()
    if "humans" in tags:
        allowed |= {"people", "cells"}
    if "animals" in tags:
        allowed |= {"animals", "cells"}
    if "in vitro techniques" in tags:
        allowed.add("cells")
    if not allowed:
        return found
    named = [name for term, name in MESH_ANIMALS.items() if term in tags]
    if found.kind in allowed:
        # Only the tag's own kind is confirmed: "Humans" alone says people, not which cells.
        primary = {"humans": "people", "animals": "animals"}
        confirmed = [k for tag, k in primary.items() if tag in tags]
        level = "high" if confirmed == [found.kind] else found.level
        animals = found.animals or (named if found.kind == "animals" else [])
        why = f"{found.why}; the MeSH tags agree"
        return found._replace(animals=animals, level=level, why=why)
    kind = "people" if "humans" in tags else "animals" if "animals" in tags else "cells"
    shown = ", ".join(sorted(t for t in tags if t in _CHECK_TAGS))
    why = f"MeSH tags ({shown}); the wording alone reads {found.kind}"
    alternative = found.kind if found.kind != "unknown" else None
    animals = named if kind == "animals" else []
    return SpeciesReading(kind, animals, found.sentence, "medium", why, alternative)


_CHECK_TAGS = {"humans", "animals", "in vitro techniques", *MESH_ANIMALS}
