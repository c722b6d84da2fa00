"""Write the latest figures from bench/results/ into the README, between its bench markers."""

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _load(name: str) -> dict | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else None


def render() -> str:
    lines: list[str] = []
    pages = _load("http_pages")
    if pages:
        machine = pages["machine"]
        lines += [
            f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}.",
            "",
            f"**Page latency** (`bench/http_pages.py`, {pages['when']}, {pages['rounds']} interleaved rounds, "
            f"{pages['server']}):",
            "",
            "| page | median ms | p90 ms | × static file |",
            "| --- | ---: | ---: | ---: |",
        ]
        for name, figures in pages["pages"].items():
            row = f"| {name} | {figures['median_ms']} | {figures['p90_ms']} | {figures['ratio_to_baseline']} |"
            lines.append(row)
        lines.append("")
    times = _load("open_times")
    if times:
        lines += [
            f"**Open times** (`bench/open_times.py`, {times['when']}, PostgreSQL): {times['agents']} agents over "
            f"{times['days']} days with {times['bookings']} bookings ({times['agent_slots']} free agent-slots at "
            f"{times['open_start_times']} start times): median **{times['median_ms']} ms**, p95 {times['p95_ms']} ms "
            f"per query; {times['ratio_to_baseline']}× one plain query of the same agents' hours "
            f"({times['baseline_hours_query_median_ms']} ms).",
            "",
        ]
    race = _load("booking_race")
    if race:
        solo, run = race["sequential_baseline"], race["race"]
        lines += [
            f"**Booking race** (`bench/booking_race.py`, {race['when']}, PostgreSQL): {race['clients']} concurrent "
            f"clients racing for {race['places']} places ({race['pool_times']} start times, {race['agents']} agents): "
            f"{run['booked']} booked, {run['taken']} told “just taken” and retried, {run['gave_up']} found nothing "
            f"left, in {run['seconds']} s ({run['bookings_per_second']} bookings/s; one client alone: "
            f"{solo['bookings_per_second']}/s, ratio {race['ratio_to_baseline']}). "
            f"**Overlapping bookings afterwards: {run['overlapping_bookings']}.**",
            "",
        ]
    return "\n".join(lines).rstrip() or "(not yet run)"


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    block = f"<!-- bench:start -->\n{render()}\n<!-- bench:end -->"
    readme.write_text(re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _m: block, text, flags=re.S))


if __name__ == "__main__":
    main()
