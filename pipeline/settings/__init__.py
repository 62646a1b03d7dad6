"""One settings object, `Settings`, declared once in `settings.py`, with the helpers that find
house data (`prompt_files.py`: where house data is looked up); `endpoints.py` holds what is
known about model servers and how secrets are masked. Import everything from
`pipeline.settings`."""

from pipeline.settings.endpoints import MODEL_PRICES, is_local_url, mask_secrets
from pipeline.settings.prompt_files import SOURCE_PROMPTS, find_prompt_file, shipped_prompts_dir
from pipeline.settings.settings import Settings, process_settings, prompt_file

__all__ = [
    "MODEL_PRICES",
    "SOURCE_PROMPTS",
    "Settings",
    "find_prompt_file",
    "is_local_url",
    "mask_secrets",
    "process_settings",
    "prompt_file",
    "shipped_prompts_dir",
]
