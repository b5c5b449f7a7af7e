namespace Flights.Core.Monitoring;

/// <summary>Why a state was not written. Counted per reason and logged (rate-limited).</summary>
public enum RejectReason
{
    /// <summary>icao24 is not six hexadecimal digits.</summary>
    InvalidIcao24,

    /// <summary>last_contact is missing or not a plausible Unix time.</summary>
    MissingTime,

    /// <summary>The state's time lies further ahead of its snapshot time than the allowed clock skew.</summary>
    TimeAheadOfSnapshot,

    /// <summary>A latitude outside [-90, 90] or a longitude outside [-180, 180].</summary>
    PositionOutOfRange,

    /// <summary>A number that is NaN or infinite.</summary>
    NonFiniteNumber,

    /// <summary>The snapshot time is before 2000-01-01: a zero or garbage field.</summary>
    SnapshotTimeTooEarly,

    /// <summary>The snapshot time lies further ahead of the wall clock than allowed (<c>Sessions__MaxSnapshotAhead</c>).</summary>
    SnapshotTimeInFuture,
}
