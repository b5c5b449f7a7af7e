using Microsoft.Playwright;

namespace Flights.Tests.Integration.Dashboard;

/// <summary>Assertions on what a person sees: the screenshot's pixels and what is under the pointer.</summary>
public static class Seen
{
    /// <summary>Marker fill of the band above 9 km (the test aircraft fly at 10,000 m).</summary>
    public const string Above9Km = "#6a1b9a";

    public const string RouteColour = "#1565c0";

    public const string EmergencyColour = "#ff1744";

    /// <summary>
    /// The selected route is on top of the basemap: pixels of the route's colour fill its bounding box at
    /// least as much as a 1-pixel line along its diagonal would (the line is 3 pixels wide), and the
    /// route is what is under the pointer at the box's centre (the midpoint of the two-point route).
    /// </summary>
    public static async Task RouteAsync(IPage page, Png pixels)
    {
        var box = await page.Locator("path.route-line").BoundingBoxAsync() ?? throw new InvalidOperationException("no route on the page");
        var diagonal = Math.Sqrt((box.Width * box.Width) + (box.Height * box.Height));
        Assert.True(diagonal > 30, $"route too short to judge: {diagonal:F0} px");
        var seen = pixels.Count(RouteColour, box.X, box.Y, box.Width, box.Height);
        Assert.True(seen >= diagonal, $"route colour: {seen} pixels in its {box.Width:F0}x{box.Height:F0} box, want at least {diagonal:F0}");
        Assert.True(await page.EvaluateAsync<bool>(
            "({ x, y }) => document.elementFromPoint(x, y)?.classList.contains('route-line') === true",
            new { x = (double)box.X + (box.Width / 2), y = (double)box.Y + (box.Height / 2) }));
    }

    /// <summary>The marker's colour fills a good part of its box, and the marker is what is under the pointer at its centre.</summary>
    public static async Task MarkerAsync(IPage page, Png pixels, string icao24, string fill)
    {
        var (x, y, box) = await MarkerCentreAsync(page, icao24);
        var seen = pixels.Count(fill, box.X, box.Y, box.Width, box.Height);
        Assert.True(seen >= 30, $"marker {icao24}: {seen} pixels of {fill}, want at least 30");
        Assert.Equal(icao24, await page.EvaluateAsync<string?>(
            "({ x, y }) => document.elementFromPoint(x, y)?.closest('.aircraft-marker')?.dataset.icao24 ?? null", new { x = (double)x, y = (double)y }));
    }

    public static async Task<(float X, float Y, LocatorBoundingBoxResult Box)> MarkerCentreAsync(IPage page, string icao24)
    {
        var box = await page.Locator($".aircraft-marker[data-icao24={icao24}]").BoundingBoxAsync() ?? throw new InvalidOperationException("no marker " + icao24);
        return (box.X + (box.Width / 2), box.Y + (box.Height / 2), box);
    }

}
