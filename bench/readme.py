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
    first = next(filter(None, map(_load, ["http_pages", "open_times", "booking_race", "queue_sim", "fanout"])), None)
    if first:
        machine = first["machine"]
        lines += [f"Machine: {machine['cpu']}, {machine['cores']} cores, Python {machine['python']}.", ""]
    pages = _load("http_pages")
    if pages:
        lines += [
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
    lines += _queue_lines()
    return "\n".join(lines).rstrip() or "(not yet run)"


def _queue_lines() -> list[str]:
    lines: list[str] = []
    sim = _load("queue_sim")
    if sim:
        model = sim["model"]
        lines += [
            f"**Talk-now queue, simulated** (`bench/queue_sim.py`, {sim['when']}, {sim['days']} days of "
            f"{model['open_hours']} h, arrivals peaking late morning, interviews log-normal with median "
            f"{model['median_interview_minutes']:g} min, {model['wrap_up_seconds']:g} s wrap-up, "
            f"{model['no_show_share']:.0%} no-shows, patience exponential with mean {model['mean_patience_minutes']:g} "
            "min; the estimate is the app's own `operations.eta`; baseline: place × mean length ÷ agents):",
            "",
            "| day | agents | arrivals/day | median wait | p90 wait | abandoned | estimate error median / p90 "
            "| waits inside the range shown | same, for those told to wait | baseline error median / p90 |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for name, row in sim["scenarios"].items():
            estimate, told, naive = (
                row["estimate"],
                row["estimate_for_those_told_they_would_wait"],
                row["baseline_naive_estimate"],
            )
            lines.append(
                f"| {name.replace('_', ' ')} | {row['agents']} | {row['arrivals_per_day']} | "
                f"{row['median_wait_minutes']} min | {row['p90_wait_minutes']} min | {row['abandonment_rate']:.1%} | "
                f"{estimate['median_abs_error_minutes']} / {estimate['p90_abs_error_minutes']} min | "
                f"{estimate['share_inside_range']:.0%} | {told['share_inside_range']:.0%} "
                f"(range {told['median_range_width_minutes']} min wide) | "
                f"{naive['median_abs_error_minutes']} / {naive['p90_abs_error_minutes']} min |"
            )
        lines.append("")
    fanout = _load("fanout")
    if fanout:
        one, every, boards = fanout["baseline_one_socket"], fanout["all_sockets"], fanout["dashboard_rounds"]
        lines += [
            f"**Live fan-out** (`bench/fanout.py`, {fanout['when']}, {fanout['server']}, {fanout['rounds']} rounds): "
            f"one queue change (an agent's state, which moves every estimate) reached all {fanout['sockets']} open "
            f"queue pages in median **{every['median_ms']} ms** (p90 {every['p90_ms']} ms; median page "
            f"{fanout['median_socket_ms']} ms), against {one['median_ms']} ms (p90 {one['p90_ms']} ms) for one page "
            f"alone (×{fanout['ratio_all_to_one']}); {fanout['dashboards']} supervisors' dashboards, rendered again "
            f"on the server, had it in median {boards['median_ms']} ms (p90 {boards['p90_ms']} ms).",
            "",
        ]
    return lines


def main() -> None:
    readme = ROOT / "README.md"
    text = readme.read_text()
    block = f"<!-- bench:start -->\n{render()}\n<!-- bench:end -->"
    readme.write_text(re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _m: block, text, flags=re.S))


if __name__ == "__main__":
    main()
