package domain

// The pages' addresses: where the pages are served, and what mails and calendar invitations
// link to. Nothing about a case is in them but its random id.
const (
	PageInbox   = "/indbakke"
	PageCourses = "/forloeb"
	PagePlans   = "/samarbejde"
	PageCitizen = "/borger"
)

// CoursePage is a course's page.
func CoursePage(id string) string { return PageCourses + "/" + id }

// PlanPage is a plan's page.
func PlanPage(id string) string { return PagePlans + "/" + id }
