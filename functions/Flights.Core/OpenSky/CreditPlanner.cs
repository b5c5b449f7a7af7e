using System.Globalization;
using Microsoft.Extensions.Options;

namespace Flights.Core.OpenSky;

/// <summary>
/// Decides when the next <c>/states/all</c> call may go out, so the daily credit allowance lasts the day.
/// Thread-safe; one instance per process (credits are per account or per IP, not per caller).
/// </summary>
/// <remarks>
/// Rules, in order: no call before a 429's retry-after has passed; no call sooner than the minimum interval
/// after the previous one; and calls are spread so the remaining credits last until the daily reset, that is
/// the next call comes no sooner than (time to reset) / (remaining credits / cost of a call).
/// OpenSky does not document when the allowance resets; this assumes 00:00 UTC. When the assumption is wrong
/// the worst case is a 429, whose retry-after this class then honours.
/// </remarks>
public sealed class CreditPlanner
{
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private DateTimeOffset _nextCallAt = DateTimeOffset.MinValue;
    private string _nextCallReason = string.Empty;
    private DateTimeOffset _resetAt = DateTimeOffset.MinValue;
    private int? _creditsRemaining;

    /// <summary>Creates the planner for the configured access mode and box.</summary>
    public CreditPlanner(IOptions<OpenSkyOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        OpenSkyOptions value = options.Value;
        _time = timeProvider;
        MinInterval = value.EffectiveMinInterval;
        DailyCredits = value.EffectiveDailyCredits;
        CallCost = BoundingBox.TryParse(value.BoundingBox, out var box, out _) ? CreditCost(box) : CreditCost(null);
    }

    /// <summary>Credits one call costs with the configured box (1-4).</summary>
    public int CallCost { get; }

    /// <summary>Credits per day for the access mode (or as configured).</summary>
    public int DailyCredits { get; }

    /// <summary>Least time between two calls.</summary>
    public TimeSpan MinInterval { get; }

    /// <summary>Credits left as OpenSky last reported them (or as counted locally without that header); null before the first call of the day.</summary>
    public int? CreditsRemaining
    {
        get
        {
            lock (_lock)
            {
                RollOverDay(_time.GetUtcNow());
                return _creditsRemaining;
            }
        }
    }

    /// <summary>The earliest time the next call may go out.</summary>
    public DateTimeOffset NextCallAt
    {
        get
        {
            lock (_lock)
            {
                return _nextCallAt;
            }
        }
    }

    /// <summary>Credits a call costs for a box (by area in square degrees): &lt;= 25 -> 1, &lt;= 100 -> 2, &lt;= 400 -> 3, larger or the whole world (null) -> 4.</summary>
    public static int CreditCost(BoundingBox? box) => box?.AreaSquareDegrees switch
    {
        null => 4,
        <= 25 => 1,
        <= 100 => 2,
        <= 400 => 3,
        _ => 4,
    };

    /// <summary>The assumed daily credit reset after <paramref name="now"/>: the next 00:00 UTC.</summary>
    public static DateTimeOffset NextReset(DateTimeOffset now)
    {
        DateTimeOffset utc = now.ToUniversalTime();
        return new DateTimeOffset(utc.Date, TimeSpan.Zero).AddDays(1);
    }

    /// <summary>
    /// Claims the next call if it is due: returns true and holds further calls for at least the minimum
    /// interval; otherwise returns false with the reason. Call one of the Record methods once the answer is in.
    /// </summary>
    /// <param name="skipReason">Why no call may go out now; null when the call may go out.</param>
    public bool TryBeginCall(out string? skipReason)
    {
        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            RollOverDay(now);
            if (now < _nextCallAt)
            {
                skipReason = _nextCallReason;
                return false;
            }

            // Until the answer says more, a failed call still waits the minimum interval before the next.
            _nextCallAt = now + MinInterval;
            _nextCallReason = $"minimum interval of {Format(MinInterval)} between calls";
            skipReason = null;
            return true;
        }
    }

    /// <summary>Records a successful call and plans the next one.</summary>
    /// <param name="creditsRemaining">OpenSky's <c>X-Rate-Limit-Remaining</c>; null when absent, then the planner counts itself.</param>
    public void RecordSuccess(int? creditsRemaining)
    {
        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            RollOverDay(now);
            int remaining = creditsRemaining ?? Math.Max(0, (_creditsRemaining ?? DailyCredits) - CallCost);
            _creditsRemaining = remaining;

            int callsLeft = remaining / CallCost;
            if (callsLeft == 0)
            {
                _nextCallAt = _resetAt;
                _nextCallReason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"{remaining} credit(s) left, {CallCost} per call: waiting for the daily reset at {_resetAt:u} (assumed 00:00 UTC)");
                return;
            }

            TimeSpan spread = (_resetAt - now) / callsLeft;
            if (spread > MinInterval)
            {
                _nextCallAt = now + spread;
                _nextCallReason = string.Create(
                    CultureInfo.InvariantCulture,
                    $"spreading {remaining} credit(s) at {CallCost} per call until the daily reset at {_resetAt:u}: one call every {Format(spread)}");
            }
            else
            {
                _nextCallAt = now + MinInterval;
                _nextCallReason = $"minimum interval of {Format(MinInterval)} between calls";
            }
        }
    }

    /// <summary>Records an HTTP 429: no call before the retry-after has passed.</summary>
    /// <param name="retryAfter">OpenSky's <c>X-Rate-Limit-Retry-After-Seconds</c>; null when absent, then the planner waits for the daily reset.</param>
    /// <returns>The time the next call may go out.</returns>
    public DateTimeOffset RecordRateLimited(TimeSpan? retryAfter)
    {
        lock (_lock)
        {
            DateTimeOffset now = _time.GetUtcNow();
            RollOverDay(now);
            _creditsRemaining = 0;
            _nextCallAt = retryAfter is { } wait ? now + (wait > MinInterval ? wait : MinInterval) : _resetAt;
            _nextCallReason = string.Create(
                CultureInfo.InvariantCulture,
                $"credits spent (HTTP 429): OpenSky allows the next call at {_nextCallAt:u}");
            return _nextCallAt;
        }
    }

    private void RollOverDay(DateTimeOffset now)
    {
        if (now < _resetAt)
        {
            return;
        }

        // A new day: the allowance is full again, whatever was counted before.
        _resetAt = NextReset(now);
        _creditsRemaining = null;
    }

    private static string Format(TimeSpan span) => span.TotalSeconds switch
    {
        < 60 => string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.###} s"),
        < 86400 => span.ToString(@"hh\:mm\:ss", CultureInfo.InvariantCulture),
        _ => span.ToString(@"d\.hh\:mm\:ss", CultureInfo.InvariantCulture),
    };
}
