"""A restart keeps the data plane's files, uploads and jobs, and jobs go on over the clock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .dataplane_support import BASE, DataPlane, chat_lines, jsonl


def test_files_and_jobs_survive_a_restart(
    tmp_path: Path, private_emulator: Any, make_arm_client: Any
) -> None:
    data = jsonl(chat_lines(20))
    with private_emulator(tmp_path) as first:
        dp = DataPlane(first, make_arm_client)
        training = dp.upload(data)
        job = dp.v1().fine_tuning.jobs.create(model=BASE, training_file=training.id, seed=7)
        upload = dp.v1().uploads.create(
            bytes=4, filename="x", mime_type="application/jsonl", purpose="fine-tune"
        )
        dp.v1().uploads.parts.create(upload.id, data=b"abcd")
    with private_emulator(tmp_path) as second:
        dp = DataPlane(second, make_arm_client)
        client = dp.v1()
        assert client.files.content(training.id).content == data
        again = client.fine_tuning.jobs.retrieve(job.id)
        assert again.status in ("validating_files", "queued") and again.seed == 7
        done = dp.finish(job.id)
        assert done.status == "succeeded" and done.fine_tuned_model is not None
        assert done.fine_tuned_model in {m.id for m in client.models.list()}
        assert client.files.content(done.result_files[0]).text.startswith("step,train_loss")
        # the upload's part is still there: completing it makes the file
        part_ids = _parts(dp, upload.id)
        completed = client.uploads.complete(upload.id, part_ids=part_ids)
        assert completed.file is not None
        assert client.files.content(completed.file.id).content == b"abcd"


def _parts(dp: DataPlane, upload_id: str) -> list[str]:
    kinds = dp.admin.get("/_emulator/state").json()["kinds"]
    doc = next(d for key, d in kinds["upload"].items() if key.endswith(f"/{upload_id}"))
    return list(doc["parts"])
