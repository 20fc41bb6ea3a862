package csvdata_test

import (
	"fmt"

	"github.com/govscore/govscore/csvdata"
	"github.com/govscore/govscore/dataset"
)

func ExampleParse() {
	subjects := csvdata.NamedData{Name: "subjects.csv", Data: []byte(
		"id,name,kind,region\n" +
			"d1,司法局,gov_department,north\n" +
			"c1,幸福社区,autonomous_org,south\n")}
	wide := csvdata.NamedData{Name: "metrics.csv", Data: []byte(
		"subject,period,disputes_received,resolution_rate\n" +
			"d1,2024,412,95%\n" +
			"c1,2024,87,NA\n")}
	long := csvdata.NamedData{Name: "survey.csv", Data: []byte(
		"subject,period,metric,value,source\n" +
			"c1,2024,satisfaction,88.5,survey\n")}

	ds, err := csvdata.Parse(subjects, []csvdata.NamedData{wide, long}, csvdata.Options{
		Kinds: []string{"gov_department", "autonomous_org"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _ := dataset.ParsePeriod("2024")
	for _, m := range ds.Metrics() {
		fmt.Println(m, ds.Column(m, p))
	}
	for _, s := range ds.Subjects {
		region, _ := s.Attr("region")
		fmt.Println(s.ID, s.Name, s.Kind, region)
	}

	// A typo in the data is reported with its position.
	bad := csvdata.NamedData{Name: "metrics.csv", Data: []byte(
		"subject,period,disputes_received\n" +
			"dl,2024,12\n" +
			"d1,2024,\"12,5\"\n")}
	_, err = csvdata.Parse(subjects, []csvdata.NamedData{bad}, csvdata.Options{})
	fmt.Println(err)
	// Output:
	// disputes_received [87 412]
	// resolution_rate [NaN 0.95]
	// satisfaction [88.5 NaN]
	// c1 幸福社区 autonomous_org south
	// d1 司法局 gov_department north
	// metrics.csv:2:1: unknown subject "dl" (did you mean "d1"?): every subject must be listed in subjects.csv
	// metrics.csv:3:9: metric "disputes_received": unparseable number "12,5": use a dot as the decimal separator and no thousands separators
}
