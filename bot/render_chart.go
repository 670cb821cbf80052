package bot

import (
	"bytes"
	"fmt"
	"image/color"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/liaisonbot/liaison/backlog"
)

// The digest chart's size in pixels (Slack previews it at this ratio) and
// its colours: opened and shipped bars, the open backlog's line.
const (
	chartWidth  = 1200
	chartHeight = 600
	chartDPI    = 96
)

var (
	chartOpened  = color.RGBA{R: 0x0b, G: 0x57, B: 0xd0, A: 0xff} // blue
	chartShipped = color.RGBA{R: 0x1e, G: 0x8e, B: 0x3e, A: 0xff} // green
	chartOpen    = color.RGBA{R: 0xd9, G: 0x48, B: 0x1a, A: 0xff} // orange
)

// chartHasData reports whether periods have anything to plot.
func chartHasData(periods []backlog.TrendPeriod) bool {
	for _, p := range periods {
		if p.Opened > 0 || p.Shipped > 0 || p.Open > 0 {
			return true
		}
	}
	return false
}

// renderChart draws a digest's trend as a PNG: per period, items opened
// and shipped as bars, the open backlog at its end as a line, the period
// start dates (in loc) on the x axis, a legend and a title.
func renderChart(title string, periods []backlog.TrendPeriod, loc *time.Location) ([]byte, error) {
	p := plot.New()
	p.Title.Text = title
	p.Title.Padding = vg.Points(10)
	sans := func(st *text.Style, size float64) { st.Font.Variant, st.Font.Size = "Sans", vg.Points(size) }
	sans(&p.Title.TextStyle, 20)
	sans(&p.X.Label.TextStyle, 14)
	sans(&p.Y.Label.TextStyle, 14)
	sans(&p.X.Tick.Label, 13)
	sans(&p.Y.Tick.Label, 13)
	sans(&p.Legend.TextStyle, 14)
	p.Y.Label.Text = "items"
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(8), -vg.Points(4)
	p.Add(plotter.NewGrid())

	opened, shipped := make(plotter.Values, len(periods)), make(plotter.Values, len(periods))
	line := make(plotter.XYs, len(periods))
	names := make([]string, len(periods))
	layout := "2 Jan"
	if len(periods) > 0 && periods[0].End.Sub(periods[0].Start) < 24*time.Hour {
		layout = "2 Jan 15:04" // periods shorter than a day
	}
	for i, pd := range periods {
		opened[i], shipped[i] = float64(pd.Opened), float64(pd.Shipped)
		line[i].X, line[i].Y = float64(i), float64(pd.Open)
		names[i] = pd.Start.In(loc).Format(layout)
	}
	top := 0.0
	for _, pd := range periods {
		top = max(top, float64(pd.Opened), float64(pd.Shipped), float64(pd.Open))
	}
	p.Y.Max = max(top*1.25, 5) // room for the legend above the data
	width := vg.Points(22)
	ob, err := plotter.NewBarChart(opened, width)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	ob.Color, ob.LineStyle.Width, ob.Offset = chartOpened, 0, -width/2
	sb, err := plotter.NewBarChart(shipped, width)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	sb.Color, sb.LineStyle.Width, sb.Offset = chartShipped, 0, width/2
	l, pts, err := plotter.NewLinePoints(line)
	if err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	l.Color, l.Width = chartOpen, vg.Points(3)
	pts.Color, pts.Shape, pts.Radius = chartOpen, draw.CircleGlyph{}, vg.Points(4)
	p.Add(ob, sb, l, pts)
	p.Legend.Add("opened", ob)
	p.Legend.Add("shipped", sb)
	p.Legend.Add("open backlog", l, pts)
	p.NominalX(names...)
	p.X.Min, p.X.Max = -0.7, float64(len(periods))-0.3 // the outer bars whole
	p.X.Label.Text = "period starting"

	c := vgimg.NewWith(vgimg.UseWH(vg.Length(chartWidth)*vg.Inch/chartDPI, vg.Length(chartHeight)*vg.Inch/chartDPI), vgimg.UseDPI(chartDPI))
	dc := draw.New(c)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	p.Draw(dc)
	var buf bytes.Buffer
	if _, err := (vgimg.PngCanvas{Canvas: c}).WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("chart png: %w", err)
	}
	return buf.Bytes(), nil
}
