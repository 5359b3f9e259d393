package domain

// CentreCaseload is an ordinary centre's caseload per caseworker against a recommendation
// (DOMAIN.md's comparison figures; settings, with the seed's values as defaults).
type CentreCaseload struct {
	Department     string `json:"department"`
	PerCaseworker  int    `json:"per_caseworker"`
	Recommendation string `json:"recommendation"`
	RecommendedMax int    `json:"recommended_max"`
	Source         string `json:"source"`
}

// DefaultCentreCaseloads are the seed's figures (mid-2020).
func DefaultCentreCaseloads() []CentreCaseload {
	return []CentreCaseload{
		{Department: "Arbejdsmarked", PerCaseworker: 55, Recommendation: "35", RecommendedMax: 35, Source: "STAR"},
		{Department: "Sundhed og Omsorg", PerCaseworker: 95, Recommendation: "ca. 60", RecommendedMax: 60, Source: "Dansk Socialrådgiverforening"},
		{Department: "Familieafdelingen", PerCaseworker: 30, Recommendation: "20-30", RecommendedMax: 30, Source: "anbefaling"},
	}
}
