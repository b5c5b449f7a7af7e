using Flights.Core;
using Flights.Core.Monitoring;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);
builder.ConfigureFunctionsWebApplication();
builder.Services
    .AddFlightsStorage(builder.Configuration)
    .AddFlightsKafka(builder.Configuration)
    .AddFlightsIngestion(builder.Configuration)
    .AddFlightsHealth(builder.Configuration)
    .AddFlightsProcessing(builder.Configuration);
builder.Build().Run();
