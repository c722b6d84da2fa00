"""The talk-now estimate: a pure function of place, agents on duty and recent interview lengths."""

from operations.eta import AgentOnDuty, InLine, eta_range, eta_ranges, quantile

TEN_MINUTES = [600.0] * 10


def estimate(position, agents, lengths=TEN_MINUTES, wrap_up=60.0):
    return eta_range(
        position=position, agents=agents, recent_lengths=lengths, default_length=900.0, wrap_up_seconds=wrap_up
    )


def test_no_agent_on_duty_gives_no_estimate():
    assert estimate(1, []) is None


def test_first_in_line_with_an_available_agent_waits_nothing():
    assert estimate(1, [AgentOnDuty("available")]) == (0, 0)


def test_second_in_line_waits_one_interview_and_wrap_up():
    assert estimate(2, [AgentOnDuty("available")]) == (660, 660)


def test_two_agents_take_the_first_two_at_once():
    agents = [AgentOnDuty("available"), AgentOnDuty("available")]
    assert [estimate(place, agents) for place in (1, 2, 3)] == [(0, 0), (0, 0), (660, 660)]


def test_an_agent_in_an_interview_frees_up_after_the_rest_of_it_and_wrap_up():
    assert estimate(1, [AgentOnDuty("in_interview", elapsed_seconds=200)]) == (460, 460)


def test_an_interview_longer_than_usual_is_expected_to_end_with_the_median_of_longer_ones():
    lengths = [300.0, 600.0, 900.0, 1200.0]
    # 1000 s in: of the recent ones only 1200 s lasted longer, so 200 s more, then 60 s wrap-up.
    assert estimate(1, [AgentOnDuty("in_interview", elapsed_seconds=1000)], lengths=lengths) == (260, 260)


def test_wrap_up_left_counts():
    assert estimate(1, [AgentOnDuty("wrap_up", wrap_up_left_seconds=45)]) == (45, 45)


def test_the_range_comes_from_short_and_long_recent_interviews():
    lengths = [float(minutes * 60) for minutes in range(5, 26)]  # 5 to 25 minutes
    low, high = estimate(3, [AgentOnDuty("available")], lengths=lengths, wrap_up=0)
    assert (low, high) == (2 * quantile(lengths, 0.2), 2 * quantile(lengths, 0.8)) == (1080, 2520)


def test_without_recent_interviews_the_default_length_is_used():
    assert estimate(2, [AgentOnDuty("available")], lengths=[], wrap_up=0) == (900, 900)


def test_quantile_interpolates():
    assert quantile([0, 10], 0.25) == 2.5
    assert quantile([7], 0.9) == 7.0


def test_people_ahead_leaving_lowers_only_the_low_end():
    agents = [AgentOnDuty("available")]
    # Fifth in line, half of recent joiners left: the low end counts two ahead, the high end four.
    assert estimate(5, agents, wrap_up=0, lengths=[600.0]) == (2400, 2400)
    low, high = eta_range(
        position=5, agents=agents, recent_lengths=[600.0], default_length=900.0, wrap_up_seconds=0, leave_share=0.5
    )
    assert (low, high) == (1200, 2400)


def line_estimates(line, agents):
    return eta_ranges(line=line, agents=agents, recent_lengths=TEN_MINUTES, default_length=900.0, wrap_up_seconds=60.0)


def test_a_bilingual_agent_is_shared_between_the_lines_in_the_order_people_came():
    both = AgentOnDuty("available", languages=frozenset({"en", "es"}))
    line = [InLine("es"), InLine("en"), InLine("es")]
    assert line_estimates(line, [both]) == [(0, 0), (660, 660), (1320, 1320)]
    # With an English-only agent too, the English taxpayer no longer waits for the Spanish one.
    english = AgentOnDuty("available", languages=frozenset({"en"}))
    assert line_estimates(line, [both, english]) == [(0, 0), (0, 0), (660, 660)]


def test_an_audio_only_taxpayer_waits_for_an_agent_who_takes_audio_only_calls():
    video_only = AgentOnDuty("available", languages=frozenset({"en"}), takes_audio_only=False)
    takes_audio = AgentOnDuty("in_interview", elapsed_seconds=300, languages=frozenset({"en"}))
    line = [InLine("en", audio_only=True), InLine("en")]
    assert line_estimates(line, [video_only, takes_audio]) == [(360, 360), (0, 0)]
    assert line_estimates(line, [video_only]) == [None, (0, 0)]


def test_nobody_on_duty_in_a_language_gives_that_line_no_estimate():
    english = AgentOnDuty("available", languages=frozenset({"en"}))
    assert line_estimates([InLine("es"), InLine("en")], [english]) == [None, (0, 0)]
