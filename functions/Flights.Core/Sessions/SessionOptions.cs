using System.ComponentModel.DataAnnotations;

namespace Flights.Core.Sessions;

/// <summary>The flight-session rules' settings (configuration section <c>Sessions</c>).</summary>
public sealed class SessionOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Sessions";

    /// <summary>A route point is added only when the last one is at least this old (the 5-minute rule).</summary>
    public TimeSpan RoutePointInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>A flight with no signal for longer than this (on the pipeline clock) has ended: <c>signal_lost</c>.</summary>
    public TimeSpan FlightEndThreshold { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>End flights on landing and open them on takeoff; when off, any state opens a flight.</summary>
    public bool LandingDetection { get; set; } = true;

    /// <summary>How long an aircraft must report on-ground without interruption before its flight ends as <c>landed</c>.</summary>
    public TimeSpan LandingConfirmation { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How far a state's time may lie ahead of its snapshot time before it is rejected.</summary>
    public TimeSpan MaxClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How far a snapshot's time may lie ahead of the wall clock before the fetch, replay and processor refuse
    /// it. Only a sanity bound: the lifecycle rules run on the data clock.
    /// </summary>
    public TimeSpan MaxSnapshotAhead { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>NCRONTAB schedule of the <c>CloseStaleFlights</c> timer function (six fields, with seconds).</summary>
    [Required]
    public string CloseSchedule { get; set; } = "0 * * * * *";

    /// <summary>How often the local host runs the closer.</summary>
    public TimeSpan CloseInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sessions the closer ends per transaction.</summary>
    [Range(1, 100_000)]
    public int CloseChunkSize { get; set; } = 1000;
}
