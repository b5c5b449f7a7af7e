using System.Text.Json;

namespace Flights.Core.OpenSky;

/// <summary>The OAuth2 client credentials in force, from the options or from the credentials file.</summary>
/// <remarks>A class, not a record: a record's generated ToString would print the secret into a log.</remarks>
internal sealed class OpenSkyCredentials(string clientId, string clientSecret)
{
    public string ClientId { get; } = clientId;

    public string ClientSecret { get; } = clientSecret;

    /// <summary>Resolves the credentials; null with no error means anonymous access.</summary>
    public static OpenSkyCredentials? Resolve(OpenSkyOptions options, out string? error)
    {
        error = null;
        if (!string.IsNullOrWhiteSpace(options.CredentialsFile))
        {
            return FromFile(options.CredentialsFile, out error);
        }

        return string.IsNullOrWhiteSpace(options.ClientId) || string.IsNullOrWhiteSpace(options.ClientSecret)
            ? null
            : new OpenSkyCredentials(options.ClientId, options.ClientSecret);
    }

    private static OpenSkyCredentials? FromFile(string path, out string? error)
    {
        error = null;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            string? clientId = StringProperty(document.RootElement, "clientId");
            string? clientSecret = StringProperty(document.RootElement, "clientSecret");
            if (string.IsNullOrWhiteSpace(clientId) || string.IsNullOrWhiteSpace(clientSecret))
            {
                error = $"OpenSky:CredentialsFile {path} must be a JSON object with non-empty \"clientId\" and \"clientSecret\" (as downloaded from the OpenSky account page).";
                return null;
            }

            return new OpenSkyCredentials(clientId, clientSecret);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException)
        {
            // Startup validation reports this; the message must say which file and why.
            error = $"OpenSky:CredentialsFile {path} cannot be read: {ex.Message}";
            return null;
        }
    }

    private static string? StringProperty(JsonElement root, string name)
        => root.ValueKind == JsonValueKind.Object
            && root.TryGetProperty(name, out var value)
            && value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : null;
}
