"""Azure's published limits on uploads and fine-tuning data: one named constant each, with its
source. The offline checks (reconciler/datasets), the uploader (reconciler/azure/write.py) and
the emulator all read them here, so they cannot drift apart.

Sizes are in bytes; the docs' "MB"/"GB" are read as binary units (MiB/GiB), the larger reading,
so a file the docs allow is never refused here.
"""

from __future__ import annotations

MIB = 1024 * 1024
GIB = 1024 * MIB

# --- uploads --------------------------------------------------------------------------------

#: One file through POST /files. Azure: "Max file size for Assistants & fine-tuning: 512 MB"
#: (MicrosoftDocs/azure-ai-docs articles/ai-foundry/openai/quotas-limits.md); OpenAI's
#: openapi.yaml (POST /files): "Individual files can be up to 512 MB".
FILES_API_MAX_BYTES = 512 * MIB

#: One upload through the uploads API, all parts together. openai-openapi.yaml (/uploads):
#: "an Upload can accept at most 8 GB in total".
UPLOADS_API_MAX_BYTES = 8 * GIB

#: One part of an upload. openai-openapi.yaml (/uploads/{upload_id}/parts): "Each Part can be
#: at most 64 MB".
UPLOAD_PART_MAX_BYTES = 64 * MIB

# --- training data --------------------------------------------------------------------------

#: Examples a training file needs. azure-ai-docs articles/ai-foundry/openai/how-to/
#: fine-tuning-vision.md: "Your example file requires at least 10 examples" (as the fine-tuning
#: how-to says for every file).
MIN_TRAINING_EXAMPLES = 10

#: Vision fine-tuning, azure-ai-docs articles/ai-foundry/openai/how-to/fine-tuning-vision.md,
#: "Image dataset requirements": max examples with images per training file 50,000; max images
#: per example 64; max image file size 10 MB. (The same page's troubleshooting table says "10 or
#: fewer images per example"; the requirements table is the rule.)
MAX_IMAGE_EXAMPLES = 50_000
MAX_IMAGES_PER_EXAMPLE = 64
MAX_IMAGE_BYTES = 10 * MIB

# --- fine-tuned deployments -----------------------------------------------------------------

#: The service removes a fine-tuned deployment of this sku 24 hours after it is created, and any
#: other fine-tuned deployment after 15 days without inference (../shared/AZURE-API.md, from the
#: fine-tuning docs' deployment-deletion note, azure-ai-docs articles/ai-foundry/openai/includes/
#: fine-tune.md; the Developer Tier section of how-to/fine-tuning-deploy.md).
DEVELOPER_TIER_SKU = "DeveloperTier"
DEVELOPER_TIER_LIFETIME_SECONDS = 24 * 3600.0
FINE_TUNED_IDLE_LIMIT_SECONDS = 15 * 24 * 3600.0


# --- reinforcement fine-tuning ---------------------------------------------------------------

#: azure-ai-docs articles/ai-foundry/openai/how-to/reinforcement-fine-tuning.md (note at the top):
#: "The fine-tuning service automatically pauses RFT jobs once they hit $5,000 in total training
#: costs (training + grading). Users can deploy the most recent checkpoint or resume the training
#: job. If the user decides to resume the job, billing continues for the job with no further
#: cost-based limits."
RFT_PAUSE_AT_USD = 5_000
RFT_COST_GUARD = (
    f"the service pauses this reinforcement job once training and grading cost "
    f"${RFT_PAUSE_AT_USD:,}; then deploy its latest checkpoint or resume it (a resumed job has "
    "no further cost limit)"
)


def size_text(size: int) -> str:
    """A byte count as the docs write limits: "512 MB", "8 GB", "1.5 MB"."""
    for unit, scale in (("GB", GIB), ("MB", MIB)):
        if size >= scale:
            value = size / scale
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{size} bytes"
