using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Flights.Core.Simulation;

/// <summary>
/// The ground truth of a simulation run: its parameters and every leg with a state in the window.
/// Written as JSON (readable back with <see cref="ReadJson"/>) or as CSV (one row per leg) for spreadsheets.
/// </summary>
/// <param name="Seed">Seed of the run.</param>
/// <param name="Aircraft">Number of aircraft.</param>
/// <param name="Start">First snapshot time (Unix s).</param>
/// <param name="End">Time after the last snapshot (Unix s).</param>
/// <param name="ResolutionSeconds">Time between snapshots.</param>
/// <param name="Legs">The legs, by aircraft and time.</param>
public sealed record SimulationTruth(int Seed, int Aircraft, long Start, long End, int ResolutionSeconds, IReadOnlyList<SimulatedLeg> Legs)
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = false };

    /// <summary>Time of the last snapshot.</summary>
    public long LastSnapshot => End - ResolutionSeconds;

    /// <summary>Writes the truth as JSON.</summary>
    public void WriteJson(Stream output) => JsonSerializer.Serialize(output, this, Json);

    /// <summary>Reads what <see cref="WriteJson"/> wrote.</summary>
    public static SimulationTruth ReadJson(Stream input) =>
        JsonSerializer.Deserialize<SimulationTruth>(input, Json) ?? throw new FormatException("the truth file is empty");

    /// <summary>Writes one CSV row per leg; gaps as <c>from-to</c> pairs separated by <c>;</c>.</summary>
    public void WriteCsv(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine("icao24,callsign,origin,destination,transponder_on,off_block,takeoff,landing,on_block,transponder_off,distance_km,cruise_altitude_m,gaps,signal_lost_at");
        var line = new StringBuilder();
        foreach (var l in Legs)
        {
            line.Clear();
            line.AppendJoin(',', l.Icao24, l.Callsign, l.Origin, l.Destination, l.TransponderOn, l.OffBlock, l.Takeoff, l.Landing, l.OnBlock, l.TransponderOff,
                l.DistanceKm.ToString(CultureInfo.InvariantCulture), l.CruiseAltitudeM.ToString(CultureInfo.InvariantCulture),
                string.Join(';', l.Gaps.Select(g => $"{g.From}-{g.To}")), l.SignalLostAt?.ToString(CultureInfo.InvariantCulture) ?? "");
            output.WriteLine(line.ToString());
        }
    }
}
