"""The emulator's Kinesis reads (``moto_patches._shard_records``) answer exactly as moto's
own ``Shard.get_records`` does, for every starting point and limit."""

from __future__ import annotations

from moto.kinesis.models import Shard

from infrastructure.local import moto_patches


def test_shard_reads_match_motos_own_for_every_start_and_limit() -> None:
    moto_patches.apply()
    original = moto_patches.MOTO_ORIGINALS["Shard.get_records"]
    shard = Shard(0, 0, 2**128, "123456789012", "us-east-1")
    sequence = [shard.put_record(f"key{n}", f"data {n}", "") for n in range(60)]
    starts = [
        "0",
        sequence[0],
        sequence[10],
        sequence[-2],
        sequence[-1],
        str(int(sequence[-1]) + 5),
    ]
    for last in starts:
        for limit in (None, 1, 7, 100):
            ours = moto_patches._shard_records(shard, last, limit)
            theirs = original(shard, last, limit)
            assert [r.sequence_number for r in ours[0]] == [r.sequence_number for r in theirs[0]]
            assert ours[1:] == theirs[1:], (last, limit)
