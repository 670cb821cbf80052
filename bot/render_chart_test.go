package bot

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// trendFixture is twelve weeks of a made-up backlog.
func trendFixture() []backlog.TrendPeriod {
	start := time.Date(2026, 9, 7, 9, 0, 0, 0, time.UTC)
	var out []backlog.TrendPeriod
	open := 40
	for i := range backlog.TrendPeriods {
		opened, shipped := 5+i%4*3, 2+i%3*2
		open += opened - shipped
		out = append(out, backlog.TrendPeriod{Start: start.AddDate(0, 0, 7*i), End: start.AddDate(0, 0, 7*i+7),
			Opened: opened, Shipped: shipped, Open: open})
	}
	return out
}

func TestChartIsAReadablePNGWithItsColours(t *testing.T) {
	b, err := renderChart("Backlog trend — weekly-stakeholders", trendFixture(), time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("LIAISON_SCREENSHOTS"); out != "" { // the README's picture
		if err := os.WriteFile(filepath.Join(out, "digest-chart.png"), b, 0o644); err != nil {
			t.Error(err)
		}
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Size(); got != (image.Point{chartWidth, chartHeight}) {
		t.Errorf("size = %v, want %dx%d", got, chartWidth, chartHeight)
	}
	counts := map[color.RGBA]int{}
	for y := 0; y < chartHeight; y++ {
		for x := 0; x < chartWidth; x++ {
			r, g, b, a := img.At(x, y).RGBA()
			counts[color.RGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}]++
		}
	}
	for name, c := range map[string]color.RGBA{"opened": chartOpened, "shipped": chartShipped, "open backlog": chartOpen} {
		if counts[c] < 200 {
			t.Errorf("%s colour has %d pixels; the chart does not show it", name, counts[c])
		}
	}
	if white := counts[color.RGBA{255, 255, 255, 255}]; white > chartWidth*chartHeight*97/100 {
		t.Errorf("the chart is %d%% white: blank", white*100/(chartWidth*chartHeight))
	}
}

func TestChartHasDataOnlyWhenSomethingHappened(t *testing.T) {
	if chartHasData(make([]backlog.TrendPeriod, 12)) {
		t.Errorf("twelve empty periods have data")
	}
	if !chartHasData(trendFixture()) {
		t.Errorf("the fixture has no data")
	}
}
